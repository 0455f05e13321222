using System.Device.Gpio;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Runtime.Safety;

/// <summary>Options of the <see cref="SafetyInterlock"/>: which alerts trip it, which lines it asserts, the fallback and how it is cleared.</summary>
public sealed class InterlockOptions
{
    /// <summary>The number of values in the model's action output (the fallback's width).</summary>
    /// <value>Required; must be &gt; 0.</value>
    public int OutputWidth { get; set; }

    /// <summary>Output lines asserted on a trip (e-stop relay, beacon).</summary>
    /// <value>Default: none (the interlock then only switches to the fallback).</value>
    public IList<InterlockOutputLine> Outputs { get; } = [];

    /// <summary>The reset button; null when only an authenticated command clears the latch.</summary>
    /// <value>Default: null.</value>
    public InterlockResetInput? ResetInput { get; set; }

    /// <summary>Which alerts trip the interlock; an alert trips it when any rule matches.</summary>
    /// <value>Default: none (nothing trips; a warning-free way to install the interlock dormant).</value>
    public IList<InterlockRule> Rules { get; } = [];

    /// <summary>What the actuators receive while tripped.</summary>
    /// <value>Default: <see cref="FallbackMode.HoldLastAction"/>.</value>
    public FallbackMode Fallback { get; set; } = FallbackMode.HoldLastAction;

    /// <summary>The fallback policy used with <see cref="FallbackMode.Policy"/> (e.g. a fallback model); called on the inference thread.</summary>
    /// <value>Default: null.</value>
    public FallbackPolicy? FallbackPolicy { get; set; }

    /// <summary>The oldest clear command accepted, by its issue time.</summary>
    /// <value>Default: 5 minutes.</value>
    public TimeSpan CommandMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Returns every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (OutputWidth <= 0)
        {
            problems.Add($"{nameof(OutputWidth)} must be > 0 (was {OutputWidth}).");
        }

        var pins = new HashSet<int>();
        for (int i = 0; i < Outputs.Count; i++)
        {
            InterlockOutputLine? line = Outputs[i];
            if (line is null)
            {
                problems.Add($"{nameof(Outputs)}[{i}] is null.");
                continue;
            }

            if (line.Pin < 0)
            {
                problems.Add($"{nameof(Outputs)}[{i}].Pin must be >= 0 (was {line.Pin}).");
            }
            else if (!pins.Add(line.Pin))
            {
                problems.Add($"{nameof(Outputs)}[{i}].Pin {line.Pin} is used twice.");
            }
        }

        if (ResetInput is { } reset)
        {
            if (reset.Pin < 0)
            {
                problems.Add($"{nameof(ResetInput)}.Pin must be >= 0 (was {reset.Pin}).");
            }
            else if (pins.Contains(reset.Pin))
            {
                problems.Add($"{nameof(ResetInput)}.Pin {reset.Pin} is also an output line.");
            }

            if (reset.Edge is not (PinEventTypes.Rising or PinEventTypes.Falling))
            {
                problems.Add($"{nameof(ResetInput)}.Edge must be Rising or Falling (was {reset.Edge}).");
            }

            if (reset.Mode is not (PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown))
            {
                problems.Add($"{nameof(ResetInput)}.Mode must be an input mode (was {reset.Mode}).");
            }
        }

        for (int i = 0; i < Rules.Count; i++)
        {
            InterlockRule? rule = Rules[i];
            if (rule is null)
            {
                problems.Add($"{nameof(Rules)}[{i}] is null.");
                continue;
            }

            if (!Enum.IsDefined(rule.MinimumSeverity))
            {
                problems.Add($"{nameof(Rules)}[{i}].MinimumSeverity {(int)rule.MinimumSeverity} is not defined.");
            }

            foreach (AlertKind kind in rule.Kinds)
            {
                if (!Enum.IsDefined(kind))
                {
                    problems.Add($"{nameof(Rules)}[{i}].Kinds holds undefined kind {(int)kind}.");
                }
            }
        }

        if (!Enum.IsDefined(Fallback))
        {
            problems.Add($"{nameof(Fallback)} {(int)Fallback} is not defined.");
        }
        else if (Fallback == FallbackMode.Policy && FallbackPolicy is null)
        {
            problems.Add($"{nameof(Fallback)} is Policy but {nameof(FallbackPolicy)} is null.");
        }

        if (CommandMaxAge <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(CommandMaxAge)} must be > 0 (was {CommandMaxAge}).");
        }

        return problems;
    }
}

/// <summary>One output line the interlock asserts on a trip.</summary>
/// <param name="Pin">The pin number in the controller's numbering scheme.</param>
/// <param name="ActiveHigh">True when asserted means high (the relay energizes on high); false for active-low lines.</param>
/// <param name="Name">A name for logs, e.g. "estop-relay".</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record InterlockOutputLine(int Pin, bool ActiveHigh = true, string? Name = null);

/// <summary>The reset button that clears the latch on an edge.</summary>
/// <param name="Pin">The pin number in the controller's numbering scheme.</param>
/// <param name="Edge">The edge that counts as a press: Falling for a button to ground with a pull-up.</param>
/// <param name="Mode">Input, InputPullUp or InputPullDown.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record InterlockResetInput(int Pin, PinEventTypes Edge = PinEventTypes.Falling, PinMode Mode = PinMode.InputPullUp);

/// <summary>An alert matches when its kind is in <see cref="Kinds"/> (or <see cref="Kinds"/> is empty) and its severity is at least <see cref="MinimumSeverity"/>.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record InterlockRule
{
    /// <summary>Creates a rule; an empty <paramref name="kinds"/> matches every kind.</summary>
    public InterlockRule(AlertSeverity minimumSeverity, params IReadOnlyList<AlertKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        MinimumSeverity = minimumSeverity;
        Kinds = [.. kinds];
    }

    /// <summary>The lowest severity that trips.</summary>
    public AlertSeverity MinimumSeverity { get; }

    /// <summary>The kinds that trip; empty for every kind.</summary>
    public IReadOnlyList<AlertKind> Kinds { get; }

    /// <summary>True when <paramref name="alert"/> matches this rule.</summary>
    public bool Matches(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Severity < MinimumSeverity)
        {
            return false;
        }

        if (Kinds.Count == 0)
        {
            return true;
        }

        foreach (AlertKind kind in Kinds)
        {
            if (kind == alert.Kind)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What the actuators receive while the interlock is tripped.</summary>
public enum FallbackMode
{
    /// <summary>The last output delivered before the trip, held.</summary>
    HoldLastAction = 0,

    /// <summary>All zeros (stop).</summary>
    ZeroAction = 1,

    /// <summary>The output of <see cref="InterlockOptions.FallbackPolicy"/> (e.g. a simpler fallback model).</summary>
    Policy = 2,
}

/// <summary>Computes a fallback action from the frame's inputs; must not allocate or block (it runs on the inference thread).</summary>
public delegate void FallbackPolicy(ReadOnlySpan<float> inputs, Span<float> action);
