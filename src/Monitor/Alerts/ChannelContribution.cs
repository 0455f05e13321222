namespace EdgeSentinel.Monitor.Alerts;

/// <summary>One channel's share in an alert: the statistic measured on it and how large the change was.</summary>
/// <remarks>Immutable and thread-safe. <see cref="Value"/> and <see cref="EffectSize"/> may be ±∞ (e.g. a degenerate baseline) but never NaN.</remarks>
public sealed record ChannelContribution
{
    /// <summary>Creates a contribution; throws if a name is blank or a number is NaN.</summary>
    public ChannelContribution(string channel, string statistic, double value, double effectSize)
    {
        Channel = channel;
        Statistic = statistic;
        Value = value;
        EffectSize = effectSize;
    }

    /// <summary>The channel name from the baseline's schema.</summary>
    public string Channel { get; init => field = ValueGuard.NotBlank(value, nameof(Channel)); }

    /// <summary>The statistic measured on the channel, e.g. "ks" or "psi".</summary>
    public string Statistic { get; init => field = ValueGuard.NotBlank(value, nameof(Statistic)); }

    /// <summary>The statistic's value on the channel.</summary>
    public double Value { get; init => field = ValueGuard.NotNaN(value, nameof(Value)); }

    /// <summary>The size of the change on the channel (larger magnitude = larger change), in the statistic's own scale.</summary>
    public double EffectSize { get; init => field = ValueGuard.NotNaN(value, nameof(EffectSize)); }

    /// <summary>Deconstructs into (Channel, Statistic, Value, EffectSize).</summary>
    public void Deconstruct(out string channel, out string statistic, out double value, out double effectSize)
    {
        channel = Channel;
        statistic = Statistic;
        value = Value;
        effectSize = EffectSize;
    }
}
