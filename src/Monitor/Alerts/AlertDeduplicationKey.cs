namespace EdgeSentinel.Monitor.Alerts;

/// <summary>What makes two alerts "the same": device, kind and subject. At most one alert per key is open at a time.</summary>
/// <param name="DeviceId">The device that raised the alert.</param>
/// <param name="Kind">The alert kind.</param>
/// <param name="Subject">The channel or channel group, e.g. "inputs".</param>
public readonly record struct AlertDeduplicationKey(string DeviceId, AlertKind Kind, string Subject)
{
    /// <summary>Returns "{device}/{kind wire name}/{subject}", e.g. "robot-7/input-drift/inputs".</summary>
    public override string ToString() => $"{DeviceId}/{AlertKinds.ToWireName(Kind)}/{Subject}";
}
