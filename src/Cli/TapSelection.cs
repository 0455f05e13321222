using System.Globalization;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli;

/// <summary>Parses <c>--taps</c>: a comma-separated list of tensor names, or <c>auto:N</c> (outputs of the last N hidden layers).</summary>
internal static class TapSelection
{
    public static bool TryApply(string? text, OnnxModelHostOptions options, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (text.StartsWith("auto", StringComparison.Ordinal))
        {
            var rest = text.Length == 4 ? "1" : text.StartsWith("auto:", StringComparison.Ordinal) ? text[5..] : string.Empty;
            if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var layers) || layers < 1 || layers > 64)
            {
                error = $"--taps '{text}': expected 'auto' or 'auto:N' with N in 1..64, or a comma-separated list of tensor names";
                return false;
            }

            options.AutoTapLayers = layers;
            return true;
        }

        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            options.Taps.Add(name);
        }

        return true;
    }
}
