using System.Globalization;
using System.Text;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Formats fuzz reports as a table (inputs, accepted, rejected, findings, time) and the top rejection reasons.</summary>
public static class FuzzSummary
{
    /// <summary>The summary table and, per target, the most frequent rejection reasons.</summary>
    public static string Format(IReadOnlyList<FuzzReport> reports, int topReasons = 8)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("| target | inputs | accepted | rejected | reasons | findings | time (s) | inputs/s | slowest (ms) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in reports)
        {
            var seconds = Math.Max(r.Elapsed.TotalSeconds, 1e-9);
            sb.AppendLine(string.Create(inv, $"| {r.Target} | {r.Inputs:N0} | {r.Accepted:N0} | {r.Rejected:N0} | {r.RejectedByReason.Count} | {r.Findings.Count}{(r.Hung ? " (hang)" : string.Empty)} | {r.Elapsed.TotalSeconds:F1} | {r.Inputs / seconds:N0} | {r.Slowest.TotalMilliseconds:F1} |"));
        }

        foreach (var r in reports)
        {
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"{r.Target}: rejected by reason (top {topReasons} of {r.RejectedByReason.Count})"));
            foreach (var (reason, count) in r.RejectedByReason.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(topReasons))
            {
                sb.AppendLine(string.Create(inv, $"  {count,10:N0}  {reason}"));
            }

            foreach (var f in r.Findings)
            {
                sb.AppendLine("  FINDING " + f);
            }
        }

        return sb.ToString();
    }
}
