namespace EdgeSentinel.Monitor.Alerts;

/// <summary>One evaluation of one detector for one subject: a score against its threshold, over a sample range, with evidence.</summary>
/// <remarks>
/// Detectors emit a signal for every evaluation, below the threshold too, so that
/// <see cref="AlertTracker"/> can clear alerts with hysteresis. Higher scores are worse; the
/// detector alarms when <see cref="Score"/> ≥ <see cref="Threshold"/>. Immutable and thread-safe.
/// </remarks>
public sealed record DetectionSignal
{
    /// <summary>Creates a signal; throws if the subject is blank, the score is NaN, the threshold is not finite and &gt; 0, or the sample range is invalid.</summary>
    public DetectionSignal(AlertKind kind, string subject, double score, double threshold, long firstSample, long lastSample, AlertEvidence evidence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstSample);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastSample, firstSample);
        Kind = kind;
        Subject = subject;
        Score = score;
        Threshold = threshold;
        FirstSample = firstSample;
        LastSample = lastSample;
        Evidence = evidence;
    }

    /// <summary>What kind of alert this detector feeds.</summary>
    public AlertKind Kind { get; init => field = ValueGuard.Defined(value, nameof(Kind)); }

    /// <summary>The channel or channel group evaluated, e.g. "inputs"; part of the alert's de-duplication key.</summary>
    public string Subject { get; init => field = ValueGuard.NotBlank(value, nameof(Subject)); }

    /// <summary>The detector's score; higher is worse; may be +∞, never NaN.</summary>
    public double Score { get; init => field = ValueGuard.NotNaN(value, nameof(Score)); }

    /// <summary>The score at or above which the detector alarms; finite and &gt; 0 (the tracker's clear and escalate levels are multiples of it).</summary>
    public double Threshold { get; init => field = ValueGuard.FinitePositive(value, nameof(Threshold)); }

    /// <summary>The first sample index (inclusive, ≥ 0) the evaluation covered.</summary>
    public long FirstSample { get; init; }

    /// <summary>The last sample index (inclusive, ≥ <see cref="FirstSample"/>) the evaluation covered.</summary>
    public long LastSample { get; init; }

    /// <summary>The statistic, its calibration and the top channels.</summary>
    public AlertEvidence Evidence { get; init => field = value ?? throw new ArgumentNullException(nameof(Evidence)); }

    /// <summary>True when the detector alarms: <see cref="Score"/> ≥ <see cref="Threshold"/>.</summary>
    public bool IsAboveThreshold => Score >= Threshold;
}
