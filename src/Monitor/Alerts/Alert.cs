namespace EdgeSentinel.Monitor.Alerts;

/// <summary>A deployment-drift alert at one point of its lifecycle: who, what, how bad, over which samples, and why.</summary>
/// <remarks>
/// Immutable and thread-safe; each lifecycle step produces a new instance (see <see cref="AlertTracker"/>).
/// The sample range runs from the sample that raised the alert to the last sample at which the
/// condition was above its threshold.
/// </remarks>
public sealed record Alert
{
    /// <summary>Creates an alert; throws if an identifier is blank, an enum value is undefined, the sample range is invalid or <paramref name="updatedAt"/> precedes <paramref name="raisedAt"/>.</summary>
    public Alert(
        string id,
        string deviceId,
        string modelHash,
        AlertKind kind,
        string subject,
        AlertSeverity severity,
        AlertState state,
        long firstSample,
        long lastSample,
        DateTimeOffset raisedAt,
        DateTimeOffset updatedAt,
        AlertEvidence evidence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstSample);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastSample, firstSample);
        ArgumentOutOfRangeException.ThrowIfLessThan(updatedAt, raisedAt);
        Id = id;
        DeviceId = deviceId;
        ModelHash = modelHash;
        Kind = kind;
        Subject = subject;
        Severity = severity;
        State = state;
        FirstSample = firstSample;
        LastSample = lastSample;
        RaisedAt = raisedAt;
        UpdatedAt = updatedAt;
        Evidence = evidence;
    }

    /// <summary>The alert's unique id; stays the same through the lifecycle.</summary>
    public string Id { get; init => field = ValueGuard.NotBlank(value, nameof(Id)); }

    /// <summary>The device that raised the alert.</summary>
    public string DeviceId { get; init => field = ValueGuard.NotBlank(value, nameof(DeviceId)); }

    /// <summary>The hash (SHA-256, hex) of the model the device was running.</summary>
    public string ModelHash { get; init => field = ValueGuard.NotBlank(value, nameof(ModelHash)); }

    /// <summary>What the alert is about.</summary>
    public AlertKind Kind { get; init => field = ValueGuard.Defined(value, nameof(Kind)); }

    /// <summary>The channel or channel group, e.g. "inputs".</summary>
    public string Subject { get; init => field = ValueGuard.NotBlank(value, nameof(Subject)); }

    /// <summary>How urgent the alert is now.</summary>
    public AlertSeverity Severity { get; init => field = ValueGuard.Defined(value, nameof(Severity)); }

    /// <summary>Where the alert is in its lifecycle.</summary>
    public AlertState State { get; init => field = ValueGuard.Defined(value, nameof(State)); }

    /// <summary>The first sample (inclusive) of the evaluation that raised the alert.</summary>
    public long FirstSample { get; init; }

    /// <summary>The last sample (inclusive) of the latest evaluation above the threshold.</summary>
    public long LastSample { get; init; }

    /// <summary>When the alert was raised (from the device's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset RaisedAt { get; init; }

    /// <summary>When the alert last changed (evidence, state or severity).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The evidence of the latest evaluation above the threshold.</summary>
    public AlertEvidence Evidence { get; init => field = value ?? throw new ArgumentNullException(nameof(Evidence)); }

    /// <summary>The de-duplication key: device + kind + subject.</summary>
    public AlertDeduplicationKey DeduplicationKey => new(DeviceId, Kind, Subject);
}
