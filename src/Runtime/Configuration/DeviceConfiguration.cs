namespace EdgeSentinel.Runtime.Configuration;

/// <summary>One device's configuration (<c>firmware-config/*.json</c>): identity, model, baseline, source, taps, cues, interlock, MQTT, monitor and runtime options.</summary>
/// <remarks>Built by <see cref="ConfigurationCheck"/>, which validates every field; paths are absolute (relative ones resolved against the file's folder). Treat as read-only once loaded.</remarks>
public sealed class DeviceConfiguration
{
    /// <summary>The device id: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit (used in MQTT topics).</summary>
    /// <value>Required.</value>
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The fleet the device belongs to; same syntax as <see cref="DeviceId"/>.</summary>
    /// <value>Required.</value>
    public string Fleet { get; set; } = string.Empty;

    /// <summary>The ONNX model file (absolute).</summary>
    /// <value>Required.</value>
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>The baseline file built for the model (absolute).</summary>
    /// <value>Required.</value>
    public string BaselinePath { get; set; } = string.Empty;

    /// <summary>Where input frames come from.</summary>
    /// <value>Required.</value>
    public SourceConfiguration Source { get; set; } = new();

    /// <summary>Intermediate tensors to tap: tensor names, or one rule "auto:N" (outputs of the last N hidden layers).</summary>
    /// <value>Default: none.</value>
    public IReadOnlyList<string> Taps { get; set; } = [];

    /// <summary>Input features that could tell the model it is deployed, with their training-time values, for cue probes.</summary>
    /// <value>Default: none.</value>
    public IReadOnlyList<CueFeatureConfiguration> CueFeatures { get; set; } = [];

    /// <summary>The safety interlock; null when the device has none.</summary>
    /// <value>Default: null.</value>
    public InterlockConfiguration? Interlock { get; set; }

    /// <summary>The MQTT connection to the aggregator.</summary>
    /// <value>Required.</value>
    public MqttConfiguration Mqtt { get; set; } = new();

    /// <summary>Monitor overrides.</summary>
    /// <value>Default: every monitor default.</value>
    public MonitorConfiguration Monitor { get; set; } = new();

    /// <summary>ONNX Runtime intra-op threads (1–256).</summary>
    /// <value>Default: 1 (small boards; leaves a core for the monitor).</value>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Whether ONNX Runtime worker threads may spin while idle (lower latency, more CPU).</summary>
    /// <value>Default: false (small boards).</value>
    public bool AllowSpinning { get; set; }

    /// <summary>The absolute path of the file this configuration was loaded from.</summary>
    public string SourceFile { get; set; } = string.Empty;

    /// <summary>Parses a tap entry of the form "auto:N"; false for a plain tensor name.</summary>
    public static bool TryParseAutoTaps(string tap, out int lastLayers)
    {
        ArgumentNullException.ThrowIfNull(tap);
        lastLayers = 0;
        return tap.StartsWith("auto:", StringComparison.Ordinal)
            && int.TryParse(tap.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out lastLayers);
    }
}

/// <summary>A deployment cue: an input feature and the value it had during training.</summary>
public sealed class CueFeatureConfiguration
{
    /// <summary>The input feature name (a channel of the model's input).</summary>
    /// <value>Required.</value>
    public string Feature { get; set; } = string.Empty;

    /// <summary>The value the feature is reset to in a cue probe.</summary>
    /// <value>Required; finite.</value>
    public double TrainingValue { get; set; }
}

/// <summary>Monitor options that a device may override.</summary>
public sealed class MonitorConfiguration
{
    /// <summary>The window size for window tests; null keeps the baseline's.</summary>
    /// <value>Default: null; else 16–1,000,000.</value>
    public int? WindowSize { get; set; }

    /// <summary>Replay the canary set every this many frames; 0 turns the frame trigger off.</summary>
    /// <value>Default: 1000.</value>
    public int CanaryPeriodFrames { get; set; } = 1000;

    /// <summary>Replay the canary set at least every this many seconds; 0 turns the time trigger off.</summary>
    /// <value>Default: 60.</value>
    public double CanaryPeriodSeconds { get; set; } = 60;
}
