using System.Device.Gpio;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Runtime.Safety;

namespace EdgeSentinel.Runtime.Configuration;

/// <summary>The safety interlock of a device: lines, reset input, rules and fallback.</summary>
public sealed class InterlockConfiguration
{
    /// <summary>Output lines asserted on a trip.</summary>
    /// <value>Default: none.</value>
    public IReadOnlyList<OutputLineSettings> Outputs { get; set; } = [];

    /// <summary>The reset button; null when only authenticated commands clear the latch.</summary>
    /// <value>Default: null.</value>
    public ResetInputSettings? ResetInput { get; set; }

    /// <summary>The rules; an alert that matches any rule trips the interlock.</summary>
    /// <value>Required; at least one.</value>
    public IReadOnlyList<InterlockRuleSettings> Rules { get; set; } = [];

    /// <summary>What the actuators get while tripped.</summary>
    /// <value>Default: hold the last action.</value>
    public FallbackSettings Fallback { get; set; } = new();

    /// <summary>The oldest clear command accepted, in seconds (1–86,400).</summary>
    /// <value>Default: 300.</value>
    public int CommandMaxAgeSeconds { get; set; } = 300;

    /// <summary>The interlock options these settings describe, for a model whose action output has <paramref name="outputWidth"/> values.</summary>
    /// <param name="outputWidth">The model's action width.</param>
    /// <param name="fallbackPolicy">The fallback model's policy; required when the fallback mode is "model".</param>
    public InterlockOptions ToOptions(int outputWidth, FallbackPolicy? fallbackPolicy = null)
    {
        var options = new InterlockOptions
        {
            OutputWidth = outputWidth,
            Fallback = Fallback.Mode switch
            {
                "zero" => FallbackMode.ZeroAction,
                "model" => FallbackMode.Policy,
                _ => FallbackMode.HoldLastAction,
            },
            FallbackPolicy = fallbackPolicy,
            CommandMaxAge = TimeSpan.FromSeconds(CommandMaxAgeSeconds),
            ResetInput = ResetInput is null
                ? null
                : new InterlockResetInput(
                    ResetInput.Pin,
                    ResetInput.Edge == "rising" ? PinEventTypes.Rising : PinEventTypes.Falling,
                    ResetInput.Pull switch { "down" => PinMode.InputPullDown, "none" => PinMode.Input, _ => PinMode.InputPullUp }),
        };
        foreach (OutputLineSettings line in Outputs)
        {
            options.Outputs.Add(new InterlockOutputLine(line.Pin, line.ActiveHigh, line.Name));
        }

        foreach (InterlockRuleSettings rule in Rules)
        {
            var kinds = new List<AlertKind>();
            foreach (string kind in rule.Kinds)
            {
                kinds.Add(AlertKinds.TryParse(kind, out AlertKind parsed)
                    ? parsed
                    : throw new InvalidOperationException($"Alert kind '{kind}' is unknown; check the configuration first."));
            }

            if (!AlertSeverities.TryParse(rule.Severity, out AlertSeverity severity))
            {
                throw new InvalidOperationException($"Severity '{rule.Severity}' is unknown; check the configuration first.");
            }

            options.Rules.Add(new InterlockRule(severity, kinds));
        }

        return options;
    }
}

/// <summary>One output line of the interlock.</summary>
public sealed class OutputLineSettings
{
    /// <summary>The pin number.</summary>
    /// <value>Required; 0–1023.</value>
    public int Pin { get; set; }

    /// <summary>True when asserted means high.</summary>
    /// <value>Default: true.</value>
    public bool ActiveHigh { get; set; } = true;

    /// <summary>A name for logs, e.g. "estop-relay".</summary>
    /// <value>Default: null.</value>
    public string? Name { get; set; }
}

/// <summary>The reset button of the interlock.</summary>
public sealed class ResetInputSettings
{
    /// <summary>The accepted values of <see cref="Edge"/>.</summary>
    public static IReadOnlyList<string> Edges { get; } = ["rising", "falling"];

    /// <summary>The pin number.</summary>
    /// <value>Required; 0–1023.</value>
    public int Pin { get; set; }

    /// <summary>The edge that counts as a press: rising or falling.</summary>
    /// <value>Default: "falling" (a button to ground with a pull-up).</value>
    public string Edge { get; set; } = "falling";

    /// <summary>The pull resistor: none, up or down.</summary>
    /// <value>Default: "up".</value>
    public string Pull { get; set; } = "up";
}

/// <summary>One interlock rule: alert kinds and the lowest severity that trips.</summary>
public sealed class InterlockRuleSettings
{
    /// <summary>Alert kinds (wire names, e.g. "input-drift"); empty matches every kind.</summary>
    /// <value>Default: empty (every kind).</value>
    public IReadOnlyList<string> Kinds { get; set; } = [];

    /// <summary>The lowest severity that trips: info, warning or critical.</summary>
    /// <value>Required.</value>
    public string Severity { get; set; } = string.Empty;
}

/// <summary>The interlock's fallback.</summary>
public sealed class FallbackSettings
{
    /// <summary>The accepted values of <see cref="Mode"/>.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["hold", "zero", "model"];

    /// <summary>hold (the last action before the trip), zero, or model (a fallback ONNX model).</summary>
    /// <value>Default: "hold".</value>
    public string Mode { get; set; } = "hold";

    /// <summary>The fallback ONNX model (mode model; absolute).</summary>
    /// <value>Required for mode model; not allowed otherwise.</value>
    public string? ModelPath { get; set; }
}
