using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Receiving;

/// <summary>Receiver-side replay and staleness check: per device the highest sequence number accepted, and the allowed clock skew and age.</summary>
/// <remarks>
/// <para>A message passes when its sequence number is above the highest recorded for its device
/// (<see cref="RejectionReason.Replayed"/> otherwise — QoS 1 redeliveries of stored messages land here
/// too and are harmless) and its timestamp lies within [now − MaxAge, now + MaxClockSkew]
/// (<see cref="RejectionReason.Stale"/> otherwise).</para>
/// <para>Last wills: a device signs its offline will when it connects, with a sequence number W reserved
/// then, and names W as <see cref="StatusReport.Session"/> in the will and in its online status. A will
/// (an offline status whose session equals its own sequence number) is checked apart from the
/// device's other messages: it passes when W is above every will recorded for the device and not
/// below the session of the latest recorded online status; its timestamp is not checked (it was
/// signed at connect time), and it does not raise the highest sequence — so messages the device
/// resends after the will (sequence numbers between W and the last one delivered) still pass.</para>
/// <para><see cref="TryCheck"/> does not change state; call <see cref="Record"/> once the message is
/// durably handled, so that a message whose handling failed is still accepted when redelivered.
/// Thread-safe.</para>
/// </remarks>
public sealed class ReplayGuard
{
    private readonly Dictionary<(string Fleet, string Device), DeviceRecord> _devices = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ReplayGuardOptions _options;

    /// <summary>Creates a guard reading time from <paramref name="timeProvider"/>; throws listing every problem of <paramref name="options"/>.</summary>
    public ReplayGuard(TimeProvider timeProvider, ReplayGuardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new ReplayGuardOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid replay guard options: " + string.Join("; ", problems), nameof(options));
        }

        _time = timeProvider;
        _options = options;
    }

    /// <summary>Sets what is known about a device (e.g. loaded from the store at start): its highest accepted sequence, the session of its latest online status and its highest accepted will (0 when none).</summary>
    public void Seed(string fleet, string device, long highestSequence, long latestSession = 0, long highestWill = 0)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        ArgumentOutOfRangeException.ThrowIfNegative(highestSequence);
        lock (_lock)
        {
            _devices[(fleet, device)] = new DeviceRecord { Highest = highestSequence, LatestSession = latestSession, HighestWill = highestWill };
        }
    }

    /// <summary>The highest sequence recorded for a device (0 when none).</summary>
    public long HighestSequence(string fleet, string device)
    {
        lock (_lock)
        {
            return _devices.TryGetValue((fleet, device), out var s) ? s.Highest : 0;
        }
    }

    /// <summary>Checks a verified envelope (and, for status messages, its decoded body) without recording it.</summary>
    public bool TryCheck(Envelope envelope, StatusReport? status, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        lock (_lock)
        {
            _devices.TryGetValue((envelope.Fleet, envelope.Device), out var state);
            if (IsWill(envelope, status))
            {
                if (envelope.Sequence <= (state?.HighestWill ?? 0) || envelope.Sequence < (state?.LatestSession ?? 0))
                {
                    rejection = new(RejectionReason.Replayed, $"last will {envelope.Sequence} of {envelope.Fleet}/{envelope.Device} is not newer than will {state?.HighestWill ?? 0} and session {state?.LatestSession ?? 0}");
                    return false;
                }

                rejection = default;
                return true;
            }

            var highest = state?.Highest ?? 0;
            if (envelope.Sequence <= highest)
            {
                rejection = new(RejectionReason.Replayed, $"sequence {envelope.Sequence} of {envelope.Fleet}/{envelope.Device} is not above the highest accepted, {highest}");
                return false;
            }

            return IsFresh(envelope, out rejection);
        }
    }

    /// <summary>Checks only the timestamp: within [now − MaxAge, now + MaxClockSkew].</summary>
    public bool IsFresh(Envelope envelope, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var now = _time.GetUtcNow();
        var timestamp = envelope.Timestamp;
        if (timestamp > now + _options.MaxClockSkew)
        {
            rejection = new(RejectionReason.Stale, $"timestamp {timestamp:O} is {(timestamp - now).TotalSeconds:F0} s ahead of the receiver's clock (allowed skew {_options.MaxClockSkew.TotalSeconds:F0} s)");
            return false;
        }

        if (timestamp < now - _options.MaxAge)
        {
            rejection = new(RejectionReason.Stale, $"timestamp {timestamp:O} is {(now - timestamp).TotalHours:F1} h old (at most {_options.MaxAge.TotalHours:F1} h)");
            return false;
        }

        rejection = default;
        return true;
    }

    /// <summary>Records a message that passed <see cref="TryCheck"/> and was handled.</summary>
    public void Record(Envelope envelope, StatusReport? status)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        lock (_lock)
        {
            var key = (envelope.Fleet, envelope.Device);
            if (!_devices.TryGetValue(key, out var state))
            {
                state = new DeviceRecord();
                _devices[key] = state;
            }

            if (IsWill(envelope, status))
            {
                state.HighestWill = Math.Max(state.HighestWill, envelope.Sequence);
                return;
            }

            state.Highest = Math.Max(state.Highest, envelope.Sequence);
            if (status is { State: DeviceState.Online })
            {
                state.LatestSession = Math.Max(state.LatestSession, status.Session);
            }
        }
    }

    /// <summary>Checks and, when it passes, records in one step.</summary>
    public bool TryAccept(Envelope envelope, StatusReport? status, out Rejection rejection)
    {
        lock (_lock)
        {
            if (!TryCheck(envelope, status, out rejection))
            {
                return false;
            }

            Record(envelope, status);
            return true;
        }
    }

    /// <summary>True for a last will: an offline status whose session is its own sequence number.</summary>
    public static bool IsWill(Envelope envelope, StatusReport? status) =>
        envelope is { Kind: TopicKind.Status }
        && status is { State: DeviceState.Offline }
        && status.Session == envelope.Sequence;

    private sealed class DeviceRecord
    {
        public long Highest { get; set; }

        public long LatestSession { get; set; }

        public long HighestWill { get; set; }
    }
}
