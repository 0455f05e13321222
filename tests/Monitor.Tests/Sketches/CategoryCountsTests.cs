using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class CategoryCountsTests : SketchContractTests
{
    private const int Categories = 10;

    private protected override SketchAdapter CreateAdapter() => new Adapter();

    private sealed class Adapter : SketchAdapter<CategoryCounts>
    {
        public override int NonFinitePerCall => 3;

        public override CategoryCounts New() => new(Categories);

        public override void Add(CategoryCounts sketch, SplitMix64 random) => sketch.Add(random.NextInt(Categories));

        public override void AddInvalid(CategoryCounts sketch)
        {
            sketch.Add(-1);
            sketch.Add(Categories);
            sketch.Add(int.MaxValue);
        }

        public override void MergeInto(CategoryCounts target, CategoryCounts source) => target.Merge(source);

        public override CategoryCounts Copy(CategoryCounts sketch) => sketch.Clone();

        public override void Clear(CategoryCounts sketch) => sketch.Reset();

        public override void Write(CategoryCounts sketch, BinaryBufferWriter writer) => sketch.WriteTo(writer);

        public override CategoryCounts Read(ref BinaryBufferReader reader) => CategoryCounts.ReadFrom(ref reader);

        public override long Count(CategoryCounts sketch) => sketch.Total;

        public override long NonFiniteCount(CategoryCounts sketch) => sketch.OutOfRangeCount;

        public override void SameSummary(CategoryCounts expected, CategoryCounts actual)
        {
            Assert.Equal(expected.Counts.ToArray(), actual.Counts.ToArray());
            Assert.Equal(expected.Total, actual.Total);
        }

        public override void Empty(CategoryCounts sketch)
        {
            Assert.Equal(0, sketch.Total);
            Assert.Equal(0, sketch.OutOfRangeCount);
            Assert.Equal(Categories, sketch.CategoryCount);
            Assert.All(sketch.Counts.ToArray(), c => Assert.Equal(0, c));
        }
    }

    [Fact]
    public void Merge_DifferentCategoryCount_ThrowsArgumentException()
    {
        var exception = Assert.Throws<ArgumentException>(() => new CategoryCounts(3).Merge(new CategoryCounts(4)));
        Assert.Contains("4 categories", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(CategoryCounts.MaxCategories + 1)]
    public void Constructor_InvalidCategoryCount_Throws(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CategoryCounts(count));

    [Property(MaxTest = 300)]
    public bool Add_AnyCategories_CountsMatchLinearTally(int[] categories)
    {
        var counts = new CategoryCounts(Categories);
        foreach (var c in categories)
        {
            counts.Add(c);
        }

        for (var k = 0; k < Categories; k++)
        {
            if (counts.Counts[k] != categories.Count(c => c == k))
            {
                return false;
            }
        }

        var outOfRange = categories.Count(c => c < 0 || c >= Categories);
        return counts.OutOfRangeCount == outOfRange && counts.Total == categories.Length - outOfRange;
    }

    [Fact]
    public void ReadFrom_NegativeCount_ThrowsMonitorFormatException()
    {
        var counts = new CategoryCounts(2);
        counts.Add(1);
        var bytes = SerializationAssert.Serialize(counts.WriteTo);
        BitConverter.GetBytes(-5L).CopyTo(bytes, 1 + 4);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(bytes, CategoryCounts.ReadFrom));
    }
}
