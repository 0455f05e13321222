namespace EdgeSentinel.Protocol.Payloads;

/// <summary>Whether a device is connected; wire names "online" / "offline".</summary>
public enum DeviceState
{
    /// <summary>Connected to the broker.</summary>
    Online = 1,

    /// <summary>Disconnected (orderly, or the broker published the last will).</summary>
    Offline = 2,
}
