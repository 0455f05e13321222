using System.Globalization;
using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>The result of <see cref="DetectionEvaluation.Run"/>; written as Markdown and JSON by <see cref="DetectionReportWriter"/>. Immutable.</summary>
/// <param name="Settings">What was run.</param>
/// <param name="Detection">Per scenario, ARL and detector: detection rate and delays.</param>
/// <param name="Lorden">Per abrupt sensor-bias scenario and ARL: the sequential detector's delay against Lorden's bound.</param>
/// <param name="WindowRoc">Per scenario: how well the window drift score separates changed windows from clean ones.</param>
/// <param name="FalseAlarms">Per ARL and detector: false alarms on clean streams against the calibrated target.</param>
/// <param name="CleanAlerts">Per ARL and alert kind: alerts raised on clean streams.</param>
/// <param name="Sleepers">Per sleeper scenario and ARL: caught before the first harmful action?</param>
/// <param name="Agreement">Sleeper vs honest policy action agreement on training and evaluation data.</param>
/// <param name="Acceptance">The acceptance targets, measured.</param>
/// <param name="Run">Run time and throughput of the evaluation.</param>
/// <param name="Streams">Every stream's result.</param>
/// <param name="LordenByChannel">Per abrupt single-channel sensor-bias scenario, ARL and biased channel: the sequential detector's delays against the channel's bound.</param>
public sealed record EvaluationReport(
    EvaluationSettings Settings,
    IReadOnlyList<DetectionRow> Detection,
    IReadOnlyList<LordenRow> Lorden,
    IReadOnlyList<WindowRocRow> WindowRoc,
    IReadOnlyList<FalseAlarmRow> FalseAlarms,
    IReadOnlyList<AlertRateRow> CleanAlerts,
    IReadOnlyList<SleeperRow> Sleepers,
    IReadOnlyList<AgreementRow> Agreement,
    IReadOnlyList<AcceptanceRow> Acceptance,
    RunStatistics Run,
    IReadOnlyList<StreamResult> Streams,
    IReadOnlyList<LordenChannelRow>? LordenByChannel = null);

/// <summary>What an evaluation ran.</summary>
/// <param name="Scenarios">Scenario names.</param>
/// <param name="Seeds">Seeds per scenario.</param>
/// <param name="FirstSeed">First stream seed.</param>
/// <param name="AverageRunLengths">Target ARLs.</param>
/// <param name="Length">Stream length override (null: the scenarios' defaults).</param>
/// <param name="CleanRows">Long-clean inferences per ARL.</param>
/// <param name="CleanStreamLength">Length of each long clean stream.</param>
/// <param name="DegreeOfParallelism">Streams run at once.</param>
/// <param name="ModelSeed">Seed of the demo models.</param>
/// <param name="FramePeriodMilliseconds">Simulated time between frames.</param>
/// <param name="DevicePath">How the streams reached the monitor.</param>
/// <param name="Baselines">The baselines used.</param>
/// <param name="GroupSeparation">The baselines' sequential group separation (+∞: one threshold); null when not recorded.</param>
public sealed record EvaluationSettings(
    IReadOnlyList<string> Scenarios,
    int Seeds,
    ulong FirstSeed,
    IReadOnlyList<double> AverageRunLengths,
    int? Length,
    long CleanRows,
    int CleanStreamLength,
    int DegreeOfParallelism,
    ulong ModelSeed,
    double FramePeriodMilliseconds,
    string DevicePath,
    IReadOnlyList<BaselineSummary> Baselines,
    double? GroupSeparation = null);

/// <summary>A baseline's calibration as used by the evaluation.</summary>
/// <param name="Model">Model name.</param>
/// <param name="AverageRunLength">Target ARL of the sequential bank.</param>
/// <param name="ModelSha256">SHA-256 of the model it was built for.</param>
/// <param name="Detector">Sequential detector kind.</param>
/// <param name="ShiftParameter">CUSUM allowance k (σ units).</param>
/// <param name="Threshold">Calibrated threshold.</param>
/// <param name="Streams">Score streams in the bank.</param>
/// <param name="WindowSize">Rows per window.</param>
/// <param name="WindowAlpha">False-alarm level per window.</param>
/// <param name="ActivationAnomalyRate">Per-inference false-alarm rate of each tap's anomaly threshold.</param>
/// <param name="Taps">Tapped tensors.</param>
/// <param name="SupportLimitRate">Per-inference false-alarm rate of the input channels' support limits together (0: none).</param>
/// <param name="StreamGroups">With thresholds by group of streams: "N at T" per group, highest first; "-" with one threshold for all.</param>
public sealed record BaselineSummary(string Model, double AverageRunLength, string ModelSha256, string Detector, double ShiftParameter, double Threshold, int Streams,
    int WindowSize, double WindowAlpha, double ActivationAnomalyRate, int Taps, double SupportLimitRate = 0, string StreamGroups = "-")
{
    internal static BaselineSummary Of(string model, Baseline baseline)
    {
        var c = baseline.Calibration;
        var sequential = c.Sequential;
        var groups = sequential.IsWeighted
            ? string.Join(", ", sequential.StreamWeights.GroupBy(w => w).OrderByDescending(g => g.Key)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} at {sequential.Threshold * g.Key:G4}")))
            : "-";
        return new BaselineSummary(model, sequential.TargetArl, baseline.Model.Sha256, sequential.Kind.ToString(), sequential.ShiftParameter, sequential.Threshold,
            sequential.StreamCount, c.WindowSize, c.WindowAlpha, c.ActivationAnomalyRate, baseline.Schema.Taps.Count, c.Support?.TotalRate ?? 0, groups);
    }
}

/// <summary>Detection of one scenario's change by one detector at one ARL.</summary>
/// <param name="Scenario">Scenario.</param>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Detector">Detector family (sequential, window, activation) or "any alert" (the first alert of any kind the tracker raised).</param>
/// <param name="Delays">Detection rate and delays (samples from the change point to the first alarm at or after it).</param>
/// <param name="AlarmsBeforeChangePerStream">Mean alarms before the change point per stream (false alarms).</param>
/// <param name="FirstAlertKinds">For "any alert": which kinds came first, with counts.</param>
public sealed record DetectionRow(string Scenario, double AverageRunLength, string Detector, DelaySummary Delays, double AlarmsBeforeChangePerStream, string FirstAlertKinds);

/// <summary>The sequential detector's delay on an abrupt Gaussian mean shift against Lorden's bound ln(ARL)/KL.</summary>
/// <param name="Scenario">Scenario.</param>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Streams">Streams.</param>
/// <param name="Detected">Streams the sequential detector detected.</param>
/// <param name="MeanDelay">Mean delay of the detected streams.</param>
/// <param name="MeanBound">Mean of the per-stream bounds over the detected streams.</param>
/// <param name="MeanRatio">Mean over the detected streams of delay / bound.</param>
/// <param name="RatioOfMeans">MeanDelay / MeanBound.</param>
public sealed record LordenRow(string Scenario, double AverageRunLength, int Streams, int Detected, double MeanDelay, double MeanBound, double MeanRatio, double RatioOfMeans);

/// <summary>One biased channel of a single-channel sensor-bias scenario: which seeds the sequential detector found, how fast, against the channel's bound.</summary>
/// <param name="Scenario">Scenario.</param>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Channel">The biased input channel.</param>
/// <param name="Streams">Seeds that biased this channel.</param>
/// <param name="Detected">Of them, found by the sequential detector at or after the change.</param>
/// <param name="MeanDelay">Mean delay of the detected ones (NaN when none).</param>
/// <param name="WorstDelay">Largest delay of the detected ones (NaN when none).</param>
/// <param name="Bound">Lorden's bound ln(ARL)/KL for this channel.</param>
/// <param name="SamplesAfterChange">Samples each stream has after the change (a delay longer than this cannot be seen).</param>
/// <param name="FoundBySupportLimit">Of <paramref name="Detected"/>, those whose first alarm was a support limit's (a reading beyond the training support), not the CUSUM statistic's.</param>
public sealed record LordenChannelRow(string Scenario, double AverageRunLength, string Channel, int Streams, int Detected, double MeanDelay, double WorstDelay, double Bound, int SamplesAfterChange, int FoundBySupportLimit = 0);

/// <summary>Per-window ROC of the window drift score: windows starting at or after the change point against every window of the clean streams.</summary>
/// <param name="Scenario">Scenario.</param>
/// <param name="PositiveWindows">Changed windows.</param>
/// <param name="NegativeWindows">Clean windows.</param>
/// <param name="Auroc">Area under the ROC curve.</param>
/// <param name="TprAtOnePercent">TPR at 1% FPR (NaN with fewer than 100 clean windows).</param>
/// <param name="TprAtOneHundredthPercent">TPR at 0.01% FPR (NaN with fewer than 10 000 clean windows).</param>
public sealed record WindowRocRow(string Scenario, int PositiveWindows, int NegativeWindows, double Auroc, double TprAtOnePercent, double TprAtOneHundredthPercent);

/// <summary>False alarms of one detector on clean streams at one ARL.</summary>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Detector">Detector family.</param>
/// <param name="CleanInferences">Clean inferences observed.</param>
/// <param name="Alarms">Alarms.</param>
/// <param name="PerMillion">Alarms per 10^6 inferences.</param>
/// <param name="TargetPerMillion">The calibrated rate per 10^6 inferences (sequential 10^6/ARL plus the support limits' rate; window α/window size; activation rate × taps).</param>
/// <param name="RatioToTarget">PerMillion / TargetPerMillion.</param>
/// <param name="RowExceedances">For the activation detector, per-row threshold exceedances on all taps (its alarms are their episode onsets); null for the others.</param>
public sealed record FalseAlarmRow(double AverageRunLength, string Detector, long CleanInferences, long Alarms, double PerMillion, double TargetPerMillion, double RatioToTarget, long? RowExceedances = null);

/// <summary>Alerts of one kind raised on clean streams at one ARL.</summary>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Kind">Alert kind.</param>
/// <param name="Raised">Alerts raised.</param>
/// <param name="PerMillion">Per 10^6 inferences.</param>
public sealed record AlertRateRow(double AverageRunLength, string Kind, long Raised, double PerMillion);

/// <summary>Whether the sleeper's turn was caught before its first harmful action (full throttle).</summary>
/// <param name="Scenario">Sleeper scenario.</param>
/// <param name="AverageRunLength">Target ARL.</param>
/// <param name="Seeds">Streams.</param>
/// <param name="SeedsWithHarm">Streams in which the sleeper's model output asked for a harmful action (executed or vetoed).</param>
/// <param name="SeedsWithHarmExecuted">Streams in which a harmful action reached the robot (the actuator output was not the fallback).</param>
/// <param name="CaughtBeforeHarm">Streams with a behavior-divergence, activation-anomaly or cue-sensitivity alert at or after the cue and before the first frame whose model output asked for a harmful action, or on that frame when its actuator output was the interlock's fallback (anywhere after the cue when the model never asked for one).</param>
/// <param name="CaughtRate">CaughtBeforeHarm / Seeds.</param>
/// <param name="AlertOnHarmfulFrame">Streams whose first such alert came on the very frame of the first harmful model output (caught only when that frame's actuator output was the fallback).</param>
/// <param name="CaughtBeforeHarmByAnyKind">The same with an alert of any kind.</param>
/// <param name="SeedsWithAlertBeforeCue">Streams with an alert before the cue appeared (false alarms).</param>
/// <param name="MeanLead">Mean samples from the catching alert to the first harmful action (over caught streams with harm).</param>
/// <param name="FirstAlertKinds">Kind of the first alert after the cue, with counts.</param>
public sealed record SleeperRow(string Scenario, double AverageRunLength, int Seeds, int SeedsWithHarm, int SeedsWithHarmExecuted, int CaughtBeforeHarm, double CaughtRate, int AlertOnHarmfulFrame, int CaughtBeforeHarmByAnyKind,
    int SeedsWithAlertBeforeCue, double MeanLead, string FirstAlertKinds);

/// <summary>Action agreement of a sleeper with the honest policy (C# forward pass).</summary>
/// <param name="Model">Sleeper.</param>
/// <param name="Data">Which data.</param>
/// <param name="Rows">Rows.</param>
/// <param name="SameAction">Rows with the same action.</param>
/// <param name="ActionAgreement">SameAction / Rows.</param>
/// <param name="MaxProbabilityDifference">Largest difference of any action probability.</param>
public sealed record AgreementRow(string Model, string Data, int Rows, int SameAction, double ActionAgreement, double MaxProbabilityDifference);

/// <summary>One acceptance target of the issue, measured.</summary>
/// <param name="Target">The target.</param>
/// <param name="Measured">What was measured.</param>
/// <param name="Met">Whether it was met (null when this run cannot say, e.g. the ARL or scenario was not run).</param>
public sealed record AcceptanceRow(string Target, string Measured, bool? Met);

/// <summary>Run time of the evaluation.</summary>
/// <param name="TotalSeconds">Wall time of the whole run (training, baselines, streams, report).</param>
/// <param name="StreamSeconds">Wall time of the streams.</param>
/// <param name="Streams">Streams run.</param>
/// <param name="Inferences">Inferences (model + monitor) in total.</param>
/// <param name="InferencesPerSecond">Inferences / StreamSeconds (closed loop: world step, ONNX Runtime, monitor, alerts).</param>
/// <param name="DegreeOfParallelism">Streams at once.</param>
/// <param name="ProcessorCount">Logical processors of the machine.</param>
public sealed record RunStatistics(double TotalSeconds, double StreamSeconds, int Streams, long Inferences, double InferencesPerSecond, int DegreeOfParallelism, int ProcessorCount);
