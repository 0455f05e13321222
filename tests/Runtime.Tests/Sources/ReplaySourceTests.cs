using System.Text;
using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Runtime.Tests.Sources;

public sealed class ReplaySourceTests
{
    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    private static async Task<List<float[]>> ReadAll(ReplaySource source)
    {
        var frames = new List<float[]>();
        float[] buffer = new float[source.Width];
        while (await source.ReadFrameAsync(buffer))
        {
            frames.Add((float[])buffer.Clone());
        }

        return frames;
    }

    [Fact]
    public async Task Csv_GoodRows_ParsedInvariantWithHeaderNames()
    {
        await using ReplaySource source = await ReplaySource.OpenCsvAsync(Text("a, b ,\"c,d\"\n1.5,-2e-3, 7\n 0 ,3,-0.25\n"));
        Assert.Equal(["a", "b", "c,d"], source.FeatureNames);
        List<float[]> frames = await ReadAll(source);
        Assert.Equal(2, frames.Count);
        Assert.Equal([1.5f, -0.002f, 7f], frames[0]);
        Assert.Equal([0f, 3f, -0.25f], frames[1]);
        Assert.Equal(new ReplayStatistics(2, 0, 0, 0), source.Statistics);
        Assert.Empty(source.Problems);
    }

    [Fact]
    public async Task Csv_BadRows_CountedWithLineAndRowNumbersAndReasons()
    {
        string csv =
            "x,y,z\n" +      // line 1 header
            "1,2,3\n" +      // line 2 row 1 ok
            "NaN,2,3\n" +    // line 3 row 2 NaN passed on
            "1,2\n" +        // line 4 row 3 wrong width
            "1,abc,3\n" +    // line 5 row 4 unparsable
            "4,5,6\n" +      // line 6 row 5 ok
            "1,-Infinity,Infinity\n" + // line 7 row 6 two non-finite
            "1,,3\n" +       // line 8 row 7 empty field
            "\n" +           // line 9 row 8 empty row
            "1,2,3,4\n" +    // line 10 row 9 too wide
            "1e39,0,0\n" +   // line 11 row 10 overflows float32
            "1;2;3\n";       // line 12 row 11 wrong separator
        await using ReplaySource source = await ReplaySource.OpenCsvAsync(Text(csv));
        List<float[]> frames = await ReadAll(source);

        Assert.Equal(5, frames.Count);
        Assert.Equal([1f, 2f, 3f], frames[0]);
        Assert.True(float.IsNaN(frames[1][0]));
        Assert.Equal([4f, 5f, 6f], frames[2]);
        Assert.Equal(float.NegativeInfinity, frames[3][1]);
        Assert.Equal(float.PositiveInfinity, frames[3][2]);
        Assert.Equal(float.PositiveInfinity, frames[4][0]);
        Assert.Equal(new ReplayStatistics(RowsDelivered: 5, RowsSkipped: 6, NonFiniteRows: 3, ProblemsDropped: 0), source.Statistics);

        var expected = new (long Line, long Row, FrameProblemKind Kind, bool Skipped, string Fragment)[]
        {
            (3, 2, FrameProblemKind.NonFiniteValue, false, "column 1 ('x')"),
            (4, 3, FrameProblemKind.WrongWidth, true, "row has 2 values but the header has 3"),
            (5, 4, FrameProblemKind.UnparsableNumber, true, "column 2 ('y'): 'abc' is not a number"),
            (7, 6, FrameProblemKind.NonFiniteValue, false, "and 1 more"),
            (8, 7, FrameProblemKind.UnparsableNumber, true, "column 2 ('y') is empty"),
            (9, 8, FrameProblemKind.Malformed, true, "empty row"),
            (10, 9, FrameProblemKind.WrongWidth, true, "row has 4 values"),
            (11, 10, FrameProblemKind.NonFiniteValue, false, "'1e39'"),
            (12, 11, FrameProblemKind.WrongWidth, true, "row has 1 values"),
        };
        Assert.Equal(expected.Length, source.Problems.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            FrameProblem p = source.Problems[i];
            Assert.Equal(expected[i].Line, p.LineNumber);
            Assert.Equal(expected[i].Row, p.RowNumber);
            Assert.Equal(expected[i].Kind, p.Kind);
            Assert.Equal(expected[i].Skipped, p.Skipped);
            Assert.Contains(expected[i].Fragment, p.Reason, StringComparison.Ordinal);
        }

        Assert.StartsWith("line 4 (row 3): ", source.Problems[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_HeaderWidthDiffersFromModel_ErrorNamesBothWidths()
    {
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(
            () => ReplaySource.OpenCsvAsync(Text("a,b,c\n1,2,3\n"), new ReplayOptions { ExpectedWidth = 4 }));
        Assert.Contains("3 features", e.Message, StringComparison.Ordinal);
        Assert.Contains("input width of 4", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a,,c\n", "feature name 2 is blank")]
    [InlineData("a,b,a\n", "'a' appears more than once")]
    [InlineData("\"a,b\n", "not closed")]
    public async Task Csv_BadHeader_IsAClearError(string csv, string fragment)
    {
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(() => ReplaySource.OpenCsvAsync(Text(csv)));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_HeaderDiffersFromConfiguredNames_ErrorNamesColumn()
    {
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(
            () => ReplaySource.OpenCsvAsync(Text("a,b\n1,2\n"), new ReplayOptions { FeatureNames = ["a", "c"] }));
        Assert.Contains("column 2 is 'b'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_ProblemListFull_FurtherProblemsCountedAsDropped()
    {
        var seen = new List<FrameProblem>();
        var sb = new StringBuilder("a\n");
        for (int i = 0; i < 10; i++)
        {
            sb.Append("x\n");
        }

        await using ReplaySource source = await ReplaySource.OpenCsvAsync(Text(sb.ToString()), new ReplayOptions { MaxProblemsKept = 4, OnProblem = seen.Add });
        Assert.Empty(await ReadAll(source));
        Assert.Equal(4, source.Problems.Count);
        Assert.Equal(6, source.Statistics.ProblemsDropped);
        Assert.Equal(10, source.Statistics.RowsSkipped);
        Assert.Equal(10, seen.Count);
        Assert.Equal(11, seen[^1].LineNumber);
    }

    [Fact]
    public async Task Csv_InfiniteStream_FramesArriveWithoutReadingToTheEnd()
    {
        // A stream that never ends: a source that loaded the whole file would never return.
        await using ReplaySource source = await ReplaySource.OpenCsvAsync(new EndlessCsvStream());
        float[] frame = new float[2];
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(await source.ReadFrameAsync(frame));
            Assert.Equal([i, 2f * i], frame);
        }
    }

    [Fact]
    public async Task Ndjson_GoodAndBadRows_CountedWithLineNumbers()
    {
        string ndjson =
            "{\"a\":1,\"b\":2.5}\n" +             // 1 ok (defines names)
            "{\"b\":-1,\"a\":3}\n" +              // 2 ok, keys in another order
            "{\"a\":1}\n" +                       // 3 missing b
            "{\"a\":1,\"b\":2,\"c\":3}\n" +       // 4 unexpected c
            "{\"a\":\"NaN\",\"b\":0}\n" +         // 5 NaN passed on
            "{\"a\":\"x\",\"b\":0}\n" +           // 6 unparsable string
            "{\"a\":null,\"b\":0}\n" +            // 7 null
            "{\"a\":1,\"b\":2\n" +                // 8 broken JSON
            "[1,2]\n" +                           // 9 not an object
            "{\"a\":1,\"a\":2,\"b\":0}\n" +       // 10 duplicate key
            "{\"a\":1,\"b\":2} 3\n" +             // 11 trailing content
            "{\"a\":1e300,\"b\":0}\n";            // 12 overflows float32, passed on as +inf
        await using ReplaySource source = await ReplaySource.OpenNdjsonAsync(Text(ndjson));
        Assert.Equal(["a", "b"], source.FeatureNames);
        List<float[]> frames = await ReadAll(source);
        Assert.Equal(4, frames.Count);
        Assert.Equal([1f, 2.5f], frames[0]);
        Assert.Equal([3f, -1f], frames[1]);
        Assert.True(float.IsNaN(frames[2][0]));
        Assert.Equal(float.PositiveInfinity, frames[3][0]);
        Assert.Equal(new ReplayStatistics(4, 8, 2, 0), source.Statistics);

        var expected = new (long Line, FrameProblemKind Kind, string Fragment)[]
        {
            (3, FrameProblemKind.MissingKey, "missing key(s): b"),
            (4, FrameProblemKind.UnexpectedKey, "key 'c' is not a feature"),
            (5, FrameProblemKind.NonFiniteValue, "key 'a'"),
            (6, FrameProblemKind.UnparsableNumber, "string 'x' is not a number"),
            (7, FrameProblemKind.UnparsableNumber, "expected a number, got Null"),
            (8, FrameProblemKind.Malformed, "not valid JSON"),
            (9, FrameProblemKind.Malformed, "expected a JSON object"),
            (10, FrameProblemKind.UnexpectedKey, "'a' appears more than once"),
            (11, FrameProblemKind.Malformed, "not valid JSON"),
            (12, FrameProblemKind.NonFiniteValue, "key 'a'"),
        };
        Assert.Equal(expected.Length, source.Problems.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Line, source.Problems[i].LineNumber);
            Assert.Equal(expected[i].Line, source.Problems[i].RowNumber);
            Assert.Equal(expected[i].Kind, source.Problems[i].Kind);
            Assert.Contains(expected[i].Fragment, source.Problems[i].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ndjson_ConfiguredNames_WidthMismatchNamesBothWidths()
    {
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(
            () => ReplaySource.OpenNdjsonAsync(Text("{\"a\":1}\n"), new ReplayOptions { ExpectedWidth = 2 }));
        Assert.Contains("1 features", e.Message, StringComparison.Ordinal);
        Assert.Contains("input width of 2", e.Message, StringComparison.Ordinal);

        await using ReplaySource ok = await ReplaySource.OpenNdjsonAsync(Text("{\"q\":1,\"p\":2}\n"), new ReplayOptions { FeatureNames = ["p", "q"] });
        List<float[]> frames = await ReadAll(ok);
        Assert.Equal([2f, 1f], Assert.Single(frames));
    }

    [Fact]
    public async Task Ndjson_FirstLineNotAnObject_IsAClearError()
    {
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(() => ReplaySource.OpenNdjsonAsync(Text("[1]\n")));
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFile_MissingOrUnknownExtension_IsAClearError()
    {
        string dir = Path.Combine(Path.GetTempPath(), "es-replay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            FrameSourceException missing = await Assert.ThrowsAsync<FrameSourceException>(() => ReplaySource.OpenFileAsync(Path.Combine(dir, "none.csv")));
            Assert.Contains("none.csv", missing.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<FrameSourceException>(() => ReplaySource.OpenFileAsync(Path.Combine(dir, "x.parquet")));
            string path = Path.Combine(dir, "r.jsonl");
            await File.WriteAllTextAsync(path, "{\"a\":4}\n");
            await using ReplaySource source = await ReplaySource.OpenFileAsync(path);
            List<float[]> frames = await ReadAll(source);
            Assert.Equal([4f], Assert.Single(frames));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ReadFrame_DestinationTooShort_Throws()
    {
        await using ReplaySource source = await ReplaySource.OpenCsvAsync(Text("a,b\n1,2\n"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await source.ReadFrameAsync(new float[1]));
    }

    private sealed class EndlessCsvStream : Stream
    {
        private byte[] _pending = Encoding.UTF8.GetBytes("a,b\n");
        private int _offset;
        private int _row;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset == _pending.Length)
            {
                _pending = Encoding.UTF8.GetBytes($"{_row},{2 * _row}\n");
                _row++;
                _offset = 0;
            }

            int n = Math.Min(count, _pending.Length - _offset);
            Array.Copy(_pending, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
