namespace EdgeSentinel.Protocol.Payloads;

/// <summary>What a command asks a device to do; wire names "clear-interlock", "run-canaries".</summary>
public enum CommandKind
{
    /// <summary>Release a latched safety interlock.</summary>
    ClearInterlock = 1,

    /// <summary>Replay the baseline's canary inputs now.</summary>
    RunCanaries = 2,
}
