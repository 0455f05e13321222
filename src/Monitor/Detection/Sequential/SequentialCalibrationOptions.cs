using System.Globalization;
using System.Text;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>How sequential detector thresholds are calibrated by bootstrap simulation.</summary>
/// <remarks>Plain settings; <see cref="Validate"/> reports every problem at once. Not thread-safe while being edited.</remarks>
public sealed class SequentialCalibrationOptions
{
    /// <summary>CUSUM allowance k in σ units.</summary>
    /// <value>Default 0.5: optimal for a 1σ shift. Finite, ≥ 0.</value>
    public double CusumAllowance { get; set; } = TwoSidedCusum.DefaultAllowance;

    /// <summary>Page–Hinkley magnitude tolerance δ in σ units.</summary>
    /// <value>Default 0.5. Finite, ≥ 0.</value>
    public double PageHinkleyTolerance { get; set; } = PageHinkley.DefaultTolerance;

    /// <summary>Shiryaev–Roberts post-change mean δ in σ units.</summary>
    /// <value>Default 1.0: tuned to a 1σ shift. Finite, &gt; 0.</value>
    public double ShiryaevRobertsShift { get; set; } = ShiryaevRoberts.DefaultShift;

    /// <summary>Scores are clipped to ±this (σ units) by the calibrated bank, in calibration and in use.</summary>
    /// <value>
    /// Default 4: changes nothing for Gaussian-like scores (|z| &gt; 4 has probability 6·10⁻⁵) and barely
    /// slows the detection of moderate shifts, but keeps the ARL of heavy-tailed scores from hinging
    /// on a few extreme held-out values. Positive; +∞ disables clipping.
    /// </value>
    public double ScoreClip { get; set; } = 4.0;

    /// <summary>Raise the threshold above the largest statistic the clean rows reach in their recorded order (×1.05; only while they are at most a tenth of the target ARL), and to the block-maxima level (see <see cref="BlockMaximaLength"/>).</summary>
    /// <value>Default false (the calibrator alone); the baseline builder turns it on.</value>
    public bool FloorAtRecordedMaximum { get; set; }

    /// <summary>Rows per regime (e.g. a mission) for the block-maxima floor; 0 turns it off.</summary>
    /// <value>
    /// Default 0. With <see cref="FloorAtRecordedMaximum"/> on and at least <see cref="SequentialCalibrator.MinimumBlockMaxima"/>
    /// whole blocks recorded, the tail of the largest statistic of each block (bank run in recorded order) is fitted
    /// (peaks over threshold, exponential excesses) and the threshold is raised to its level at exceedance probability
    /// BlockMaximaLength / target ARL per block — the extrapolation the recorded maximum alone cannot make when the
    /// recorded blocks are far fewer than ARL / length, and the whole-regime level a moving-block bootstrap does not see when
    /// they are as many (it applies however many rows were recorded). At least 0.
    /// </value>
    public int BlockMaximaLength { get; set; }

    /// <summary>Rows per bootstrap block; 1 resamples rows i.i.d., larger keeps autocorrelation (moving blocks).</summary>
    /// <value>Default 1. At least 1 and at most the number of held-out rows.</value>
    public int BlockLength { get; set; } = 1;

    /// <summary>Stop adding simulated runs once the ARL estimate's relative standard error is at most this.</summary>
    /// <value>Default 0.05 (about 400 runs, run lengths being nearly geometric). In (0, 1).</value>
    public double RelativeStandardError { get; set; } = 0.05;

    /// <summary>Fewest simulated runs.</summary>
    /// <value>Default 100. At least 20 (the extrapolated method's standard error uses 10 batches).</value>
    public int MinRuns { get; set; } = 100;

    /// <summary>Most simulated runs.</summary>
    /// <value>Default 10 000. At least <see cref="MinRuns"/>.</value>
    public int MaxRuns { get; set; } = 10_000;

    /// <summary>Compute budget: most score updates simulated (rows × streams).</summary>
    /// <value>
    /// Default 250 000 000: about a second of CUSUM on one core (several for Shiryaev–Roberts, which
    /// needs exp/log per score). Targets whose direct simulation would not fit are extrapolated.
    /// </value>
    public long MaxSimulatedScores { get; set; } = 250_000_000;

    /// <summary>Lowest ARL of the thresholds fitted when extrapolating.</summary>
    /// <value>Default 10^2.5 ≈ 316. At least 10.</value>
    public double ExtrapolationMinArl { get; set; } = 316.227766016838;

    /// <summary>Highest ARL of the thresholds fitted when extrapolating (lowered to what the budget affords).</summary>
    /// <value>Default 10^4.5 ≈ 31 623. At least 4 × <see cref="ExtrapolationMinArl"/>.</value>
    public double ExtrapolationMaxArl { get; set; } = 31_622.7766016838;

    /// <summary>Number of thresholds (log-spaced in ARL) fitted when extrapolating.</summary>
    /// <value>Default 8. At least 3.</value>
    public int ExtrapolationPoints { get; set; } = 8;

    /// <summary>The shift parameter used for a detector kind.</summary>
    public double ShiftParameterFor(SequentialDetectorKind kind) => kind switch
    {
        SequentialDetectorKind.Cusum => CusumAllowance,
        SequentialDetectorKind.PageHinkley => PageHinkleyTolerance,
        SequentialDetectorKind.ShiryaevRoberts => ShiryaevRobertsShift,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown detector kind"),
    };

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new StringBuilder();
        void Check(bool ok, string name, object value, string rule)
        {
            if (!ok)
            {
                errors.Append(CultureInfo.InvariantCulture, $"{name} = {value}: {rule}; ");
            }
        }

        Check(double.IsFinite(CusumAllowance) && CusumAllowance >= 0, nameof(CusumAllowance), CusumAllowance, "must be finite and >= 0");
        Check(double.IsFinite(PageHinkleyTolerance) && PageHinkleyTolerance >= 0, nameof(PageHinkleyTolerance), PageHinkleyTolerance, "must be finite and >= 0");
        Check(double.IsFinite(ShiryaevRobertsShift) && ShiryaevRobertsShift > 0, nameof(ShiryaevRobertsShift), ShiryaevRobertsShift, "must be finite and > 0");
        Check(ScoreClip > 0, nameof(ScoreClip), ScoreClip, "must be positive (+Infinity: no clipping)");
        Check(BlockLength >= 1, nameof(BlockLength), BlockLength, "must be >= 1");
        Check(BlockMaximaLength >= 0, nameof(BlockMaximaLength), BlockMaximaLength, "must be >= 0 (0: no block-maxima floor)");
        Check(RelativeStandardError > 0 && RelativeStandardError < 1, nameof(RelativeStandardError), RelativeStandardError, "must be in (0, 1)");
        Check(MinRuns >= 20, nameof(MinRuns), MinRuns, "must be >= 20");
        Check(MaxRuns >= MinRuns, nameof(MaxRuns), MaxRuns, "must be >= MinRuns");
        Check(MaxSimulatedScores >= 1_000_000, nameof(MaxSimulatedScores), MaxSimulatedScores, "must be >= 1000000");
        Check(double.IsFinite(ExtrapolationMinArl) && ExtrapolationMinArl >= 10, nameof(ExtrapolationMinArl), ExtrapolationMinArl, "must be finite and >= 10");
        Check(double.IsFinite(ExtrapolationMaxArl) && ExtrapolationMaxArl >= 4 * ExtrapolationMinArl, nameof(ExtrapolationMaxArl), ExtrapolationMaxArl, "must be finite and >= 4 x ExtrapolationMinArl");
        Check(ExtrapolationPoints >= 3, nameof(ExtrapolationPoints), ExtrapolationPoints, "must be >= 3");
        if (errors.Length > 0)
        {
            throw new ArgumentException("invalid sequential calibration options: " + errors.ToString().TrimEnd(' ', ';'));
        }
    }
}
