using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Monitor.Decisions;

/// <summary>The result of one window test on one channel against the baseline: statistic, p-value and effect size.</summary>
/// <remarks>Immutable and thread-safe. The p-value must be in [0, 1]; NaN is rejected here so that a broken test never reaches the decision.</remarks>
public sealed record ChannelTestOutcome
{
    /// <summary>Creates an outcome; throws if a name is blank, the role undefined, <paramref name="pValue"/> outside [0, 1] or NaN, or a number NaN.</summary>
    public ChannelTestOutcome(string channel, ChannelRole role, string statistic, double value, double pValue, double effectSize)
    {
        Channel = channel;
        Role = role;
        Statistic = statistic;
        Value = value;
        PValue = pValue;
        EffectSize = effectSize;
    }

    /// <summary>The channel name from the baseline's schema.</summary>
    public string Channel { get; init => field = ValueGuard.NotBlank(value, nameof(Channel)); }

    /// <summary>What the channel measures.</summary>
    public ChannelRole Role { get; init => field = ValueGuard.Defined(value, nameof(Role)); }

    /// <summary>The test used, e.g. "ks", "chi-square", "psi".</summary>
    public string Statistic { get; init => field = ValueGuard.NotBlank(value, nameof(Statistic)); }

    /// <summary>The test statistic (may be ±∞, never NaN).</summary>
    public double Value { get; init => field = ValueGuard.NotNaN(value, nameof(Value)); }

    /// <summary>The unadjusted p-value of the test, in [0, 1].</summary>
    public double PValue
    {
        get;
        init => field = value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(
                nameof(PValue), value, $"PValue of channel '{Channel}' must be in [0, 1] (NaN is not a p-value), but was {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
    }

    /// <summary>The size of the change (larger magnitude = larger change; may be ±∞, never NaN).</summary>
    public double EffectSize { get; init => field = ValueGuard.NotNaN(value, nameof(EffectSize)); }
}
