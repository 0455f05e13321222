using System.Globalization;
using System.Text;

namespace EdgeSentinel.Cloud.Metrics;

/// <summary>Writes metrics in the Prometheus text exposition format (version 0.0.4).</summary>
internal sealed class PrometheusText
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>Starts a metric family.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>Writes one sample with optional label pairs.</summary>
    public PrometheusText Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(FormatValue(value)).Append('\n');
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _text.ToString();

    internal static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
