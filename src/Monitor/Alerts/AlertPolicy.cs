using System.Globalization;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>How <see cref="AlertTracker"/> raises, escalates and clears alerts: hysteresis, escalation, severities and cooldown.</summary>
/// <remarks>
/// A plain options class: set the properties, then <see cref="Validate"/> lists every problem at once.
/// <see cref="AlertTracker"/> validates and copies the policy when it is constructed, so later
/// changes to this instance do not affect a running tracker. Not thread-safe.
/// </remarks>
public sealed class AlertPolicy
{
    /// <summary>
    /// An open alert counts an evaluation towards clearing only when Score &lt; ClearRatio × Threshold.
    /// Must be in (0, 1). Default 0.8.
    /// </summary>
    /// <value>The clear level as a fraction of the signal's threshold; the gap up to the threshold is the hysteresis band.</value>
    public double ClearRatio { get; set; } = 0.8;

    /// <summary>How many consecutive evaluations below the clear level close an open alert. Must be ≥ 1. Default 3.</summary>
    /// <value>Consecutive evaluations; any evaluation at or above the clear level restarts the count.</value>
    public int ClearAfterEvaluations { get; set; } = 3;

    /// <summary>
    /// An open alert escalates when Score ≥ EscalateRatio × Threshold. Must be ≥ 1, or
    /// <see cref="double.PositiveInfinity"/> to escalate on persistence only. Default 2.0.
    /// </summary>
    /// <value>The escalation level as a multiple of the signal's threshold.</value>
    public double EscalateRatio { get; set; } = 2.0;

    /// <summary>
    /// An open alert also escalates after this many consecutive evaluations at or above the
    /// threshold (the raising evaluation counts as the first). Must be ≥ 0; 0 disables. Default 0.
    /// </summary>
    /// <value>Consecutive above-threshold evaluations, or 0 to escalate on magnitude only.</value>
    public int EscalateAfterEvaluations { get; set; }

    /// <summary>
    /// After an alert clears, above-threshold signals for the same key are suppressed (and counted)
    /// for this long, measured with the tracker's <see cref="TimeProvider"/>. Must be ≥ 0. Default 1 minute.
    /// </summary>
    /// <value>The quiet period after clearing; <see cref="TimeSpan.Zero"/> disables it.</value>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Severity of a newly raised alert, per kind. Defaults: model-identity and canary-mismatch
    /// Critical; every other kind Warning. Must hold every <see cref="AlertKind"/>.
    /// </summary>
    public IDictionary<AlertKind, AlertSeverity> RaisedSeverity { get; } = new Dictionary<AlertKind, AlertSeverity>
    {
        [AlertKind.InputDrift] = AlertSeverity.Warning,
        [AlertKind.BehaviorDivergence] = AlertSeverity.Warning,
        [AlertKind.ActivationAnomaly] = AlertSeverity.Warning,
        [AlertKind.CueSensitivity] = AlertSeverity.Warning,
        [AlertKind.CanaryMismatch] = AlertSeverity.Critical,
        [AlertKind.ModelIdentity] = AlertSeverity.Critical,
        [AlertKind.RuntimeHealth] = AlertSeverity.Warning,
    };

    /// <summary>
    /// Severity of an escalated alert, per kind; never below the raised severity. Defaults:
    /// behavior-divergence, activation-anomaly and cue-sensitivity Critical; model-identity and
    /// canary-mismatch Critical; input-drift and runtime-health stay Warning. Must hold every <see cref="AlertKind"/>.
    /// </summary>
    public IDictionary<AlertKind, AlertSeverity> EscalatedSeverity { get; } = new Dictionary<AlertKind, AlertSeverity>
    {
        [AlertKind.InputDrift] = AlertSeverity.Warning,
        [AlertKind.BehaviorDivergence] = AlertSeverity.Critical,
        [AlertKind.ActivationAnomaly] = AlertSeverity.Critical,
        [AlertKind.CueSensitivity] = AlertSeverity.Critical,
        [AlertKind.CanaryMismatch] = AlertSeverity.Critical,
        [AlertKind.ModelIdentity] = AlertSeverity.Critical,
        [AlertKind.RuntimeHealth] = AlertSeverity.Warning,
    };

    /// <summary>Checks every property and returns all problems, each naming the property and why; empty when the policy is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(ClearRatio > 0 && ClearRatio < 1))
        {
            problems.Add(Invariant($"{nameof(ClearRatio)} must be in (0, 1) so that the clear level lies below the threshold, but was {ClearRatio}."));
        }

        if (ClearAfterEvaluations < 1)
        {
            problems.Add(Invariant($"{nameof(ClearAfterEvaluations)} must be >= 1, but was {ClearAfterEvaluations}."));
        }

        if (double.IsNaN(EscalateRatio) || EscalateRatio < 1)
        {
            problems.Add(Invariant($"{nameof(EscalateRatio)} must be >= 1 (or +Infinity to disable), but was {EscalateRatio}."));
        }

        if (EscalateAfterEvaluations < 0)
        {
            problems.Add(Invariant($"{nameof(EscalateAfterEvaluations)} must be >= 0 (0 disables), but was {EscalateAfterEvaluations}."));
        }

        if (Cooldown < TimeSpan.Zero)
        {
            problems.Add(Invariant($"{nameof(Cooldown)} must be >= 0, but was {Cooldown}."));
        }

        ValidateSeverities(RaisedSeverity, nameof(RaisedSeverity), problems);
        ValidateSeverities(EscalatedSeverity, nameof(EscalatedSeverity), problems);
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            if (RaisedSeverity.TryGetValue(kind, out var raised) && EscalatedSeverity.TryGetValue(kind, out var escalated)
                && Enum.IsDefined(raised) && Enum.IsDefined(escalated) && escalated < raised)
            {
                problems.Add(
                    $"{nameof(EscalatedSeverity)}[{AlertKinds.ToWireName(kind)}] ({AlertSeverities.ToWireName(escalated)}) must not be below " +
                    $"{nameof(RaisedSeverity)}[{AlertKinds.ToWireName(kind)}] ({AlertSeverities.ToWireName(raised)}).");
            }
        }

        return problems;
    }

    private static void ValidateSeverities(IDictionary<AlertKind, AlertSeverity> severities, string name, List<string> problems)
    {
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            if (!severities.TryGetValue(kind, out var severity))
            {
                problems.Add($"{name} has no entry for kind {AlertKinds.ToWireName(kind)}; every kind needs a severity.");
            }
            else if (!Enum.IsDefined(severity))
            {
                problems.Add(Invariant($"{name}[{AlertKinds.ToWireName(kind)}] is {(int)severity}, which is not a defined AlertSeverity."));
            }
        }

        foreach (var kind in severities.Keys)
        {
            if (!Enum.IsDefined(kind))
            {
                problems.Add(Invariant($"{name} has a key {(int)kind}, which is not a defined AlertKind."));
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
