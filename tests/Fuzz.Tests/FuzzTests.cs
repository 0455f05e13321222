using EdgeSentinel.Fuzz.Tests.Fuzzing;
using Xunit.Abstractions;

namespace EdgeSentinel.Fuzz.Tests;

/// <summary>The CI fuzz run: 10^4 mutated inputs per target (seed corpus first); any crash, hang, foreign exception or contract break fails with the reproducer saved.</summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    /// <summary>Inputs per target in CI (the bench runs 10^6: bench/Fuzz.Bench).</summary>
    public const int CiInputs = 10_000;

    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_TenThousandMutatedInputs_NoFinding(string name)
    {
        var target = FuzzTargets.Create(name);
        var folder = Path.Combine(Path.GetTempPath(), "edgesentinel-fuzz-findings");
        var report = FuzzRunner.Run(target, CiInputs, findingsFolder: folder);
        output.WriteLine(FuzzSummary.Format([report]));

        Assert.False(report.Hung, $"{name}: hang at input {(report.Findings.Count > 0 ? report.Findings[^1].Index : -1)}");
        Assert.True(report.Findings.Count == 0, $"{name}: {report.Findings.Count} finding(s), reproducers in {folder}:{Environment.NewLine}{string.Join(Environment.NewLine, report.Findings)}");
        Assert.Equal(CiInputs, report.Inputs);

        // The mutators must reach past the first check: several distinct specific rejections, and most inputs rejected.
        Assert.True(report.RejectedByReason.Count >= 3, $"{name}: only {report.RejectedByReason.Count} rejection reason(s): {string.Join(", ", report.RejectedByReason.Keys)}");
        Assert.True(report.Accepted >= target.Seeds.Count, $"{name}: the seeds were not all accepted");
    }

    [Fact]
    public void Runner_SameSeed_SameInputs()
    {
        var target = FuzzTargets.Create("alert-body");
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(FuzzRunner.InputAt(target, 7, 1000 + i), FuzzRunner.InputAt(target, 7, 1000 + i));
        }

        Assert.NotEqual(FuzzRunner.InputAt(target, 7, 1000), FuzzRunner.InputAt(target, 8, 1000));
    }

    [Fact]
    public void Runner_ForeignException_IsAFindingWithItsInput()
    {
        var report = FuzzRunner.Run(new ThrowingTarget(), 10);
        Assert.Equal(10, report.Inputs);
        var finding = Assert.Single(report.Findings);
        Assert.Equal("InvalidCastException", finding.Kind);
        Assert.Equal([3, 4], finding.Input);
    }

    [Fact]
    public void Runner_InputPastItsTimeLimit_IsReportedAsHang()
    {
        using var release = new ManualResetEventSlim(false);
        var report = FuzzRunner.Run(new BlockingTarget(release), 5);
        release.Set();
        Assert.True(report.Hung);
        Assert.Equal("hang", report.Findings[^1].Kind);
        Assert.Equal(2, report.Findings[^1].Index);
    }

    /// <summary>Throws a foreign exception on inputs that start with 3 (the mutated inputs of this target are [i, i+1]).</summary>
    private sealed class ThrowingTarget : FuzzTarget
    {
        public override string Name => "throwing";

        protected override IReadOnlyList<byte[]> BuildSeeds() => [[0, 1]];

        public override byte[] Mutate(Random random, byte[] seed) => [(byte)random.Next(3, 4), 4];

        public override FuzzOutcome Run(byte[] input) => input[0] == 3 && input.Length == 2 ? throw new InvalidCastException("boom") : FuzzOutcome.Accepted;
    }

    /// <summary>Blocks on input 2 until released (the watchdog must flag it within its short limit).</summary>
    private sealed class BlockingTarget(ManualResetEventSlim release) : FuzzTarget
    {
        private int _calls;

        public override string Name => "blocking";

        public override TimeSpan TimeLimit => TimeSpan.FromMilliseconds(200);

        protected override IReadOnlyList<byte[]> BuildSeeds() => [[1]];

        public override byte[] Mutate(Random random, byte[] seed) => seed;

        public override FuzzOutcome Run(byte[] input)
        {
            if (_calls++ == 2)
            {
                release.Wait();
            }

            return FuzzOutcome.Accepted;
        }
    }
}
