using System.Text.Json.Serialization;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>What happened on one evaluated stream (one scenario, seed and ARL).</summary>
/// <param name="Scenario">Scenario name (<c>clean-long</c> for the false-alarm streams).</param>
/// <param name="Seed">Stream seed.</param>
/// <param name="AverageRunLength">Target ARL the baseline was calibrated for.</param>
/// <param name="Length">Inferences in the stream.</param>
/// <param name="ChangePoint">First changed sample (−1 for clean streams).</param>
/// <param name="FirstHarmfulAction">First sample whose executed action (the actuator output applied to the robot) was harmful (the sleepers' full throttle), −1 when none.</param>
/// <param name="FirstHarmfulOutput">First sample whose model output asked for a harmful action, executed or vetoed by the interlock, −1 when none.</param>
/// <param name="HarmfulOutputVetoed">Whether the actuator output of <paramref name="FirstHarmfulOutput"/>'s frame was the interlock's fallback (the harmful action was not executed).</param>
/// <param name="Collisions">Collisions of the robot during the stream.</param>
/// <param name="Path">How the stream reached the monitor: <c>device-loop</c>, or <c>monitor (model swapped mid-stream)</c>.</param>
/// <param name="Families">Alarms per detector family.</param>
/// <param name="Alerts">Raised alerts per alert kind (kinds never raised are left out).</param>
/// <param name="LordenBound">For an abrupt sensor bias: ln(ARL)/KL with KL the largest per-sample KL of an affected channel in the detector's standardized, prewhitened units; NaN otherwise.</param>
/// <param name="ActivationExceedances">Per-row activation exceedances on all taps (the activation alarms are the onsets of their episodes).</param>
/// <param name="Windows">Drift score of every tested window (not written to JSON).</param>
/// <param name="AffectedChannels">The input channels a sensor bias or stuck sensor acts on, by name (empty otherwise).</param>
/// <remarks>Window alarms and scores are measured once per scenario and seed (at the first ARL) and shared by the other ARLs' streams.</remarks>
public sealed record StreamResult(
    string Scenario,
    ulong Seed,
    double AverageRunLength,
    int Length,
    int ChangePoint,
    int FirstHarmfulAction,
    int FirstHarmfulOutput,
    bool HarmfulOutputVetoed,
    long Collisions,
    string Path,
    IReadOnlyList<FamilyAlarms> Families,
    IReadOnlyList<KindAlerts> Alerts,
    double LordenBound,
    long ActivationExceedances,
    [property: JsonIgnore] IReadOnlyList<WindowScore>? Windows,
    IReadOnlyList<string>? AffectedChannels = null)
{
    /// <summary>The alarms of <paramref name="family"/>.</summary>
    public FamilyAlarms Family(DetectorFamily family) => Families.First(f => f.Family == family);

    /// <summary>The first alert raised at or after the change point (null when none).</summary>
    public KindAlerts? FirstAlertAfterChange => Alerts.Where(a => a.FirstRaisedAtOrAfterChange >= 0).MinBy(a => a.FirstRaisedAtOrAfterChange);
}

/// <summary>Alarms of one detector family on one stream.</summary>
/// <param name="Family">The family.</param>
/// <param name="Alarms">All alarms.</param>
/// <param name="AlarmsBeforeChange">Alarms before the change point (false alarms).</param>
/// <param name="FirstAlarmAtOrAfterChange">Sample of the first alarm at or after the change point (−1 when none).</param>
/// <param name="SupportLimitAlarms">Of <paramref name="Alarms"/>, those raised by an input channel's support limit (sequential family only).</param>
/// <param name="FirstSupportLimitAlarmAtOrAfterChange">Sample of the first support-limit alarm at or after the change point (−1 when none).</param>
public sealed record FamilyAlarms(DetectorFamily Family, int Alarms, int AlarmsBeforeChange, long FirstAlarmAtOrAfterChange, int SupportLimitAlarms = 0, long FirstSupportLimitAlarmAtOrAfterChange = -1)
{
    /// <summary>Whether the first alarm at or after the change point was a support limit's.</summary>
    public bool FoundBySupportLimit => FirstAlarmAtOrAfterChange >= 0 && FirstSupportLimitAlarmAtOrAfterChange == FirstAlarmAtOrAfterChange;
}

/// <summary>Raised alerts of one kind on one stream.</summary>
/// <param name="Kind">Alert kind (wire name, e.g. <c>behavior-divergence</c>).</param>
/// <param name="Raised">Alerts raised.</param>
/// <param name="RaisedBeforeChange">Alerts raised before the change point.</param>
/// <param name="FirstRaisedAtOrAfterChange">Sample at which the first alert at or after the change point was raised (−1 when none).</param>
public sealed record KindAlerts(string Kind, int Raised, int RaisedBeforeChange, long FirstRaisedAtOrAfterChange);
