using System.Collections.ObjectModel;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Why an alert was raised: the statistic, its threshold, the false-alarm rate that threshold was calibrated for, and the channels that contributed most.</summary>
/// <remarks>
/// Immutable and thread-safe: <see cref="TopChannels"/> is a private copy of the list given.
/// Equality compares <see cref="TopChannels"/> element by element.
/// </remarks>
public sealed record AlertEvidence
{
    /// <summary>Creates evidence; throws if a name is blank, a number is out of range or a channel is null.</summary>
    public AlertEvidence(
        string statistic,
        double value,
        double threshold,
        double falseAlarmRate,
        string falseAlarmUnit,
        IReadOnlyList<ChannelContribution> topChannels)
    {
        Statistic = statistic;
        Value = value;
        Threshold = threshold;
        FalseAlarmRate = falseAlarmRate;
        FalseAlarmUnit = falseAlarmUnit;
        TopChannels = topChannels;
    }

    /// <summary>The detector's statistic, e.g. "cusum" or "min-holm-adjusted-p".</summary>
    public string Statistic { get; init => field = ValueGuard.NotBlank(value, nameof(Statistic)); }

    /// <summary>The statistic's value (may be ±∞, never NaN).</summary>
    public double Value { get; init => field = ValueGuard.NotNaN(value, nameof(Value)); }

    /// <summary>The statistic's alarm threshold, in the statistic's own scale (finite).</summary>
    public double Threshold { get; init => field = ValueGuard.Finite(value, nameof(Threshold)); }

    /// <summary>The false-alarm rate the threshold was calibrated for, e.g. 1e-6 per sample (average run length 10^6); finite and &gt; 0.</summary>
    public double FalseAlarmRate { get; init => field = ValueGuard.FinitePositive(value, nameof(FalseAlarmRate)); }

    /// <summary>What <see cref="FalseAlarmRate"/> counts per, e.g. "per sample" or "per window".</summary>
    public string FalseAlarmUnit { get; init => field = ValueGuard.NotBlank(value, nameof(FalseAlarmUnit)); }

    /// <summary>The channels that contributed most, most important first (may be empty).</summary>
    public IReadOnlyList<ChannelContribution> TopChannels { get; init => field = CopyChannels(value); }

    /// <inheritdoc/>
    public bool Equals(AlertEvidence? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(Statistic, other.Statistic, StringComparison.Ordinal)
                && Value.Equals(other.Value)
                && Threshold.Equals(other.Threshold)
                && FalseAlarmRate.Equals(other.FalseAlarmRate)
                && string.Equals(FalseAlarmUnit, other.FalseAlarmUnit, StringComparison.Ordinal)
                && TopChannels.SequenceEqual(other.TopChannels)));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Statistic, StringComparer.Ordinal);
        hash.Add(Value);
        hash.Add(Threshold);
        hash.Add(FalseAlarmRate);
        hash.Add(FalseAlarmUnit, StringComparer.Ordinal);
        foreach (var channel in TopChannels)
        {
            hash.Add(channel);
        }

        return hash.ToHashCode();
    }

    private static ReadOnlyCollection<ChannelContribution> CopyChannels(IReadOnlyList<ChannelContribution> topChannels)
    {
        ArgumentNullException.ThrowIfNull(topChannels);
        var copy = new ChannelContribution[topChannels.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = topChannels[i] ?? throw new ArgumentException($"{nameof(topChannels)}[{i}] is null.", nameof(topChannels));
        }

        return Array.AsReadOnly(copy);
    }
}
