using EdgeSentinel.Monitor.Alerts;
using FsCheck.Xunit;
using static EdgeSentinel.Monitor.Tests.Alerts.AlertTestData;

namespace EdgeSentinel.Monitor.Tests.Alerts;

public sealed class AlertTrackerPropertyTests
{
    private const double Threshold = 10.0;

    // Score levels relative to the threshold: below the clear level (0.8), inside the hysteresis
    // band, at/just above the threshold, above the escalation level (2).
    private static readonly double[] Levels = [0.0, 0.5, 0.79, 0.8, 0.95, 0.999, 1.0, 1.01, 1.5, 2.0, 3.0];

    private static DetectionSignal SignalFromCode(int code, int k)
    {
        var level = Levels[(int)((uint)code % (uint)Levels.Length)];
        var subject = (code & 0x100) == 0 ? "a" : "b";
        return Signal(Threshold * level, sample: k, subject: subject);
    }

    [Property(MaxTest = 300)]
    public bool Process_AnyScoreSequence_KeepsAWellFormedLifecyclePerKey(int[] codes, byte clearAfter, bool zeroCooldown)
    {
        var time = Clock();
        var policy = new AlertPolicy
        {
            ClearAfterEvaluations = 1 + (clearAfter % 5),
            Cooldown = zeroCooldown ? TimeSpan.Zero : TimeSpan.FromSeconds(30),
        };
        var tracker = new AlertTracker("d", "m", policy, time);
        var state = new Dictionary<string, AlertState?> { ["a"] = null, ["b"] = null };
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var belowRun = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        for (var k = 0; k < codes.Length; k++)
        {
            var signal = SignalFromCode(codes[k], k);
            belowRun[signal.Subject] = signal.Score < 0.8 * Threshold ? belowRun[signal.Subject] + 1 : 0;
            foreach (var t in tracker.Process(signal))
            {
                var subject = t.Alert.Subject;
                if (subject != signal.Subject || t.Previous != state[subject])
                {
                    return false;
                }

                var legal = (t.Previous, t.Current) switch
                {
                    (null, AlertState.Raised) => ids.Add(t.Alert.Id) && signal.IsAboveThreshold,
                    (AlertState.Raised, AlertState.Escalated) => signal.IsAboveThreshold,
                    (AlertState.Raised or AlertState.Escalated, AlertState.Cleared) => belowRun[subject] >= policy.ClearAfterEvaluations,
                    _ => false,
                };
                if (!legal)
                {
                    return false;
                }

                state[subject] = t.Current == AlertState.Cleared ? null : t.Current;
            }

            var open = tracker.OpenAlerts;
            if (open.Count != state.Values.Count(s => s is not null) || open.Select(a => a.Subject).Distinct().Count() != open.Count)
            {
                return false;
            }

            time.Advance(TimeSpan.FromSeconds(7));
        }

        return true;
    }

    [Property(MaxTest = 300)]
    public bool Process_ScoresNeverBelowClearLevel_RaiseAtMostOncePerKey(int[] codes)
    {
        var tracker = new AlertTracker("d", "m", new AlertPolicy { Cooldown = TimeSpan.Zero }, Clock());
        var raises = 0;
        var clears = 0;
        for (var k = 0; k < codes.Length; k++)
        {
            var signal = SignalFromCode(codes[k], k);
            if (signal.Score < 0.8 * Threshold)
            {
                signal = signal with { Score = 0.8 * Threshold };
            }

            foreach (var t in tracker.Process(signal))
            {
                raises += t.Current == AlertState.Raised ? 1 : 0;
                clears += t.Current == AlertState.Cleared ? 1 : 0;
            }
        }

        return raises <= 2 && clears == 0; // two keys: "a" and "b"
    }
}
