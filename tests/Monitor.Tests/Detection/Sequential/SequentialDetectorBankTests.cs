using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class SequentialDetectorBankTests
{
    private static Func<double, bool> SingleDetector(SequentialDetectorKind kind, double shift, double threshold, out Func<double> statistic)
    {
        switch (kind)
        {
            case SequentialDetectorKind.Cusum:
                var cusum = new TwoSidedCusum(threshold, shift);
                statistic = () => cusum.Statistic;
                return cusum.Update;
            case SequentialDetectorKind.PageHinkley:
                var ph = new PageHinkley(threshold, shift);
                statistic = () => ph.Statistic;
                return ph.Update;
            default:
                var sr = new ShiryaevRoberts(threshold, shift);
                statistic = () => sr.Statistic;
                return sr.Update;
        }
    }

    [Theory]
    [InlineData(SequentialDetectorKind.Cusum, 0.5, 6.0)]
    [InlineData(SequentialDetectorKind.PageHinkley, 0.5, 6.0)]
    [InlineData(SequentialDetectorKind.ShiryaevRoberts, 1.0, 500.0)]
    public void Update_SevenStreams_MatchesIndependentDetectorsAndReportsFirstAlarm(SequentialDetectorKind kind, double shift, double threshold)
    {
        const int streams = 7;  // one SIMD block of 4 (AVX2) plus a scalar remainder of 3
        var bank = new SequentialDetectorBank(kind, streams, shift, threshold);
        var updates = new Func<double, bool>[streams];
        var statistics = new Func<double>[streams];
        for (var i = 0; i < streams; i++)
        {
            updates[i] = SingleDetector(kind, shift, threshold, out statistics[i]);
        }

        var generator = new NullScoreGenerator(31);
        var row = new double[streams];
        var alarmsSeen = 0;
        for (var t = 0; t < 5000; t++)
        {
            generator.FillRow(row, 0.3, false);
            row[1] += t % 700 > 600 ? 1.5 : 0;  // stream 1 drifts now and then
            row[2] -= t % 900 > 800 ? 1.5 : 0;
            row[5] += t % 500 > 420 ? 2.0 : 0;
            row[6] = t % 1000 == 999 ? 50.0 : row[6];  // an outlier
            var expected = -1;
            for (var i = 0; i < streams; i++)
            {
                if (updates[i](row[i]) && expected < 0)
                {
                    expected = i;
                }
            }

            var actual = bank.Update(row);
            Assert.Equal(expected, actual);
            for (var i = 0; i < streams; i++)
            {
                Assert.Equal(statistics[i](), bank.Statistics[i], 1e-9);
            }

            if (actual >= 0)
            {
                alarmsSeen++;
                for (var i = 0; i < streams; i++)
                {
                    if (bank.Statistics[i] >= bank.StatisticThreshold)
                    {
                        bank.Reset(i);
                        updates[i] = SingleDetector(kind, shift, threshold, out statistics[i]);
                    }
                }
            }
        }

        Assert.True(alarmsSeen > 3);
    }

    [Fact]
    public void Reset_OneStream_LeavesOthers()
    {
        var bank = new SequentialDetectorBank(SequentialDetectorKind.Cusum, 3, 0.5, 5.0);
        bank.Update([2.0, -2.0, 3.0]);
        bank.Reset(1);
        Assert.Equal(1.5, bank.Statistics[0], 12);
        Assert.Equal(0.0, bank.Statistics[1]);
        Assert.Equal(2.5, bank.Statistics[2], 12);
        Assert.Equal(2, bank.Update([0.5, 0.0, 3.0]));  // stream 2: 2.5 + 2.5 = 5 reaches h
        bank.Reset();
        Assert.All(bank.Statistics.ToArray(), s => Assert.Equal(0.0, s));
        Assert.Equal(-1, bank.Update([0.0, 0.0, 0.0]));
    }

    [Fact]
    public void Update_ScoreBeyondClip_IsClipped()
    {
        var bank = new SequentialDetectorBank(SequentialDetectorKind.Cusum, 2, 0.5, 5.0, scoreClip: 2.0);
        Assert.Equal(-1, bank.Update([10.0, -1e300]));
        Assert.Equal(1.5, bank.Statistics[0], 12);
        Assert.Equal(1.5, bank.Statistics[1], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDetectorBank(SequentialDetectorKind.Cusum, 2, 0.5, 5.0, scoreClip: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDetectorBank(SequentialDetectorKind.Cusum, 2, 0.5, 5.0, scoreClip: 0));
    }

    [Fact]
    public void Update_WrongLength_Throws()
    {
        var bank = new SequentialDetectorBank(SequentialDetectorKind.Cusum, 3, 0.5, 5.0);
        Assert.Throws<ArgumentException>(() => bank.Update([1.0, 2.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => bank.Reset(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => bank.Reset(-1));
    }

    [Theory]
    [InlineData(SequentialDetectorKind.Cusum, 0.5, 8.0)]
    [InlineData(SequentialDetectorKind.PageHinkley, 0.5, 8.0)]
    [InlineData(SequentialDetectorKind.ShiryaevRoberts, 1.0, 10_000.0)]
    public void Update_25Streams_AllocatesNothing(SequentialDetectorKind kind, double shift, double threshold)
    {
        const int streams = 25;
        var bank = new SequentialDetectorBank(kind, streams, shift, threshold);
        var scores = new NullScoreGenerator(32).Rows(2_000, streams, 0.2, true);
        bank.Update(scores.AsSpan(0, streams));
        var alarms = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < 2_000; r++)
        {
            var index = bank.Update(scores.AsSpan(r * streams, streams));
            if (index >= 0)
            {
                alarms++;
                bank.Reset(index);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(alarms >= 0);
    }

    [Theory]
    [InlineData((SequentialDetectorKind)9, 1, 0.5, 5.0)]
    [InlineData(SequentialDetectorKind.Cusum, 0, 0.5, 5.0)]
    [InlineData(SequentialDetectorKind.Cusum, 2, 0.5, 0.0)]
    [InlineData(SequentialDetectorKind.Cusum, 2, 0.5, double.NaN)]
    [InlineData(SequentialDetectorKind.Cusum, 2, -0.5, 5.0)]
    [InlineData(SequentialDetectorKind.ShiryaevRoberts, 2, 0.0, 100.0)]
    public void Constructor_InvalidArguments_Throws(SequentialDetectorKind kind, int streams, double shift, double threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDetectorBank(kind, streams, shift, threshold));
    }
}
