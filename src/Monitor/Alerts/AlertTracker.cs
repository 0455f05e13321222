namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Turns a stream of <see cref="DetectionSignal"/>s into alerts with a lifecycle: raise, escalate, clear, with de-duplication, hysteresis and cooldown.</summary>
/// <remarks>
/// <para>
/// Per key (device + kind + subject) at most one alert is open. A signal at or above its threshold
/// raises an alert when none is open (unless the key is cooling down after a clear), or else updates
/// the open alert's last sample, evidence and time without emitting a transition. An open alert
/// escalates once, when Score ≥ <see cref="AlertPolicy.EscalateRatio"/> × Threshold or after
/// <see cref="AlertPolicy.EscalateAfterEvaluations"/> consecutive evaluations above the threshold;
/// it stays escalated until it clears. It clears after <see cref="AlertPolicy.ClearAfterEvaluations"/>
/// consecutive evaluations with Score &lt; <see cref="AlertPolicy.ClearRatio"/> × Threshold, so a
/// score hovering at the threshold neither clears nor re-raises. Each signal's own threshold is used.
/// </para>
/// <para>
/// Not thread-safe: the device calls it from its single analysis thread. All time comes from the
/// <see cref="TimeProvider"/> given to the constructor.
/// </para>
/// </remarks>
public sealed class AlertTracker
{
    private readonly string _deviceId;
    private readonly string _modelHash;
    private readonly TimeProvider _timeProvider;
    private readonly double _clearRatio;
    private readonly int _clearAfterEvaluations;
    private readonly double _escalateRatio;
    private readonly int _escalateAfterEvaluations;
    private readonly TimeSpan _cooldown;
    private readonly Dictionary<AlertKind, AlertSeverity> _raisedSeverity;
    private readonly Dictionary<AlertKind, AlertSeverity> _escalatedSeverity;
    private readonly Dictionary<(AlertKind Kind, string Subject), OpenAlert> _open = [];
    private readonly Dictionary<(AlertKind Kind, string Subject), DateTimeOffset> _clearedAt = [];
    private long _raiseSequence;

    /// <summary>Creates a tracker for one device and model; throws <see cref="ArgumentException"/> listing every problem of <paramref name="policy"/>.</summary>
    public AlertTracker(string deviceId, string modelHash, AlertPolicy policy, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelHash);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var problems = policy.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid AlertPolicy: " + string.Join(" ", problems), nameof(policy));
        }

        _deviceId = deviceId;
        _modelHash = modelHash;
        _timeProvider = timeProvider;
        _clearRatio = policy.ClearRatio;
        _clearAfterEvaluations = policy.ClearAfterEvaluations;
        _escalateRatio = policy.EscalateRatio;
        _escalateAfterEvaluations = policy.EscalateAfterEvaluations;
        _cooldown = policy.Cooldown;
        _raisedSeverity = new Dictionary<AlertKind, AlertSeverity>(policy.RaisedSeverity);
        _escalatedSeverity = new Dictionary<AlertKind, AlertSeverity>(policy.EscalatedSeverity);
    }

    /// <summary>The alerts open now (raised or escalated), ordered by raise time then id; a snapshot.</summary>
    public IReadOnlyCollection<Alert> OpenAlerts
    {
        get
        {
            var alerts = new Alert[_open.Count];
            var i = 0;
            foreach (var open in _open.Values)
            {
                alerts[i++] = open.Alert;
            }

            Array.Sort(alerts, static (a, b) =>
            {
                var byTime = a.RaisedAt.CompareTo(b.RaisedAt);
                return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
            });
            return alerts;
        }
    }

    /// <summary>How many above-threshold signals were ignored because their key was cooling down after a clear.</summary>
    public long SuppressedDuringCooldown { get; private set; }

    /// <summary>Processes one evaluation and returns the lifecycle steps it caused (often none; a raise may be followed by an immediate escalation).</summary>
    public IReadOnlyList<AlertTransition> Process(DetectionSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        List<AlertTransition>? transitions = null;
        ProcessOne(signal, ref transitions);
        return transitions ?? (IReadOnlyList<AlertTransition>)[];
    }

    /// <summary>Processes evaluations in order and returns all lifecycle steps they caused, in order.</summary>
    public IReadOnlyList<AlertTransition> Process(IReadOnlyList<DetectionSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        for (var i = 0; i < signals.Count; i++)
        {
            if (signals[i] is null)
            {
                throw new ArgumentException($"signals[{i}] is null.", nameof(signals));
            }
        }

        List<AlertTransition>? transitions = null;
        for (var i = 0; i < signals.Count; i++)
        {
            ProcessOne(signals[i], ref transitions);
        }

        return transitions ?? (IReadOnlyList<AlertTransition>)[];
    }

    private void ProcessOne(DetectionSignal signal, ref List<AlertTransition>? transitions)
    {
        var key = (signal.Kind, signal.Subject);
        var now = _timeProvider.GetUtcNow();
        if (_open.TryGetValue(key, out var open))
        {
            if (signal.IsAboveThreshold)
            {
                Update(open, signal, now, ref transitions);
            }
            else if (CountTowardsClear(open, signal))
            {
                var cleared = open.Alert with { State = AlertState.Cleared, UpdatedAt = Later(open.Alert.UpdatedAt, now) };
                _open.Remove(key);
                ForgetElapsedCooldowns(now);
                _clearedAt[key] = now;
                Add(ref transitions, new AlertTransition(cleared, open.Alert.State, AlertState.Cleared));
            }
        }
        else if (signal.IsAboveThreshold)
        {
            if (_clearedAt.TryGetValue(key, out var clearedAt))
            {
                if (now - clearedAt < _cooldown)
                {
                    SuppressedDuringCooldown++;
                    return;
                }

                _clearedAt.Remove(key);
            }

            Raise(key, signal, now, ref transitions);
        }
    }

    private void Raise((AlertKind Kind, string Subject) key, DetectionSignal signal, DateTimeOffset now, ref List<AlertTransition>? transitions)
    {
        _raiseSequence++;
        var alert = new Alert(
            AlertIdentifier.Create(_deviceId, _modelHash, signal.Kind, signal.Subject, signal.FirstSample, now, _raiseSequence),
            _deviceId,
            _modelHash,
            signal.Kind,
            signal.Subject,
            _raisedSeverity[signal.Kind],
            AlertState.Raised,
            signal.FirstSample,
            signal.LastSample,
            now,
            now,
            signal.Evidence);
        var open = new OpenAlert(alert) { AboveThresholdRun = 1 };
        _open.Add(key, open);
        Add(ref transitions, new AlertTransition(alert, null, AlertState.Raised));
        EscalateIfDue(open, signal, ref transitions);
    }

    private void Update(OpenAlert open, DetectionSignal signal, DateTimeOffset now, ref List<AlertTransition>? transitions)
    {
        open.BelowClearRun = 0;
        open.AboveThresholdRun++;
        open.Alert = open.Alert with
        {
            LastSample = Math.Max(open.Alert.LastSample, signal.LastSample),
            Evidence = signal.Evidence,
            UpdatedAt = Later(open.Alert.UpdatedAt, now),
        };
        EscalateIfDue(open, signal, ref transitions);
    }

    private bool CountTowardsClear(OpenAlert open, DetectionSignal signal)
    {
        open.AboveThresholdRun = 0;
        if (signal.Score < _clearRatio * signal.Threshold)
        {
            open.BelowClearRun++;
        }
        else
        {
            open.BelowClearRun = 0;
        }

        return open.BelowClearRun >= _clearAfterEvaluations;
    }

    private void EscalateIfDue(OpenAlert open, DetectionSignal signal, ref List<AlertTransition>? transitions)
    {
        if (open.Alert.State != AlertState.Raised)
        {
            return;
        }

        var bySize = !double.IsPositiveInfinity(_escalateRatio) && signal.Score >= _escalateRatio * signal.Threshold;
        var byPersistence = _escalateAfterEvaluations > 0 && open.AboveThresholdRun >= _escalateAfterEvaluations;
        if (!bySize && !byPersistence)
        {
            return;
        }

        var raised = open.Alert.Severity;
        var escalatedSeverity = _escalatedSeverity[open.Alert.Kind];
        open.Alert = open.Alert with
        {
            State = AlertState.Escalated,
            Severity = escalatedSeverity > raised ? escalatedSeverity : raised,
        };
        Add(ref transitions, new AlertTransition(open.Alert, AlertState.Raised, AlertState.Escalated));
    }

    // Keeps the cooldown table bounded by the keys cleared within the last Cooldown.
    private void ForgetElapsedCooldowns(DateTimeOffset now)
    {
        foreach (var (key, clearedAt) in _clearedAt)
        {
            if (now - clearedAt >= _cooldown)
            {
                _clearedAt.Remove(key);
            }
        }
    }

    // A clock that steps backwards must not make an alert invalid (UpdatedAt < RaisedAt).
    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static void Add(ref List<AlertTransition>? transitions, AlertTransition transition) =>
        (transitions ??= []).Add(transition);

    /// <summary>Mutable bookkeeping of one open alert, private to the tracker.</summary>
    private sealed class OpenAlert(Alert alert)
    {
        public Alert Alert { get; set; } = alert;

        public int AboveThresholdRun { get; set; }

        public int BelowClearRun { get; set; }
    }
}
