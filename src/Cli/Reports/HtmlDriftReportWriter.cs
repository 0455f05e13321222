using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace EdgeSentinel.Cli.Reports;

/// <summary>
/// Writes a <see cref="DriftReport"/> as one self-contained HTML file: the charting library and the data are
/// inlined, so the file opens anywhere without a network. One chart per drifted channel (baseline against
/// live distribution on the baseline's bins), a table of every channel's statistics, and the alerts.
/// </summary>
internal static class HtmlDriftReportWriter
{
    public static void Write(DriftReport report, string chartLibraryScript, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(chartLibraryScript);
        ArgumentNullException.ThrowIfNull(output);
        var drifted = report.Drifted.ToArray();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(Encode(report.Title)).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Encode(report.Title)).Append("</h1>\n<p class=\"meta\">")
            .Append("Data: ").Append(Encode(report.Source)).Append(" · Baseline: ").Append(Encode(report.BaselineDescription))
            .Append(" · ").Append(Number(report.Observations)).Append(" observations in ").Append(Number(report.WindowsTested))
            .Append(" windows of ").Append(Number(report.WindowSize))
            .Append(" · window false-alarm rate ").Append(Encode(report.WindowAlpha.ToString("G3", CultureInfo.InvariantCulture))).Append(" per window</p>\n");
        html.Append("<p id=\"verdict\" class=\"").Append(drifted.Length == 0 ? "ok" : "drift").Append("\">")
            .Append(drifted.Length == 0
                ? "No channel drove an alarm."
                : $"{drifted.Length} channel{(drifted.Length == 1 ? "" : "s")} drove an alarm: " + string.Join(", ", drifted.Select(c => Encode(c.Name))))
            .Append("</p>\n");
        foreach (var note in report.Notes)
        {
            html.Append("<p class=\"note\">").Append(Encode(note)).Append("</p>\n");
        }

        if (drifted.Length > 0)
        {
            html.Append("<h2>Drifted channels</h2>\n<p class=\"meta\">Share of observations per bin of the baseline's histogram; baseline in grey, live in red.</p>\n<div class=\"plots\">\n");
            for (var k = 0; k < drifted.Length; k++)
            {
                var c = drifted[k];
                html.Append("<figure class=\"plot\" data-channel=\"").Append(Encode(c.Name)).Append("\"><figcaption>").Append(Encode(c.Name))
                    .Append(" — KS ").Append(Fixed(c.KolmogorovSmirnov)).Append(", mean shift ").Append(Fixed(c.StandardisedMeanShift)).Append(" σ, named by ")
                    .Append(Number(c.Alarms)).Append(" alarm").Append(c.Alarms == 1 ? "" : "s")
                    .Append("</figcaption><canvas id=\"plot-").Append(k.ToString(CultureInfo.InvariantCulture)).Append("\"></canvas></figure>\n");
            }

            html.Append("</div>\n");
        }

        html.Append("<h2>All channels</h2>\n<table id=\"channels\">\n<thead><tr><th>Channel</th><th>Role</th><th>Drove an alarm</th><th>Alarms naming it</th>")
            .Append("<th>Baseline mean ± sd</th><th>Live mean ± sd</th><th>Mean shift (σ)</th><th>KS (sketch, ± bound)</th><th>Worst window p</th><th>Median window PSI</th></tr></thead>\n<tbody>\n");
        foreach (var c in report.Channels.OrderByDescending(c => c.Drifted).ThenByDescending(c => c.Alarms))
        {
            html.Append("<tr").Append(c.Drifted ? " class=\"drift\"" : "").Append("><td>").Append(Encode(c.Name)).Append("</td><td>")
                .Append(Encode(c.Role.ToString().ToLowerInvariant())).Append("</td><td>").Append(c.Drifted ? "yes" : "no").Append("</td><td>").Append(Number(c.Alarms))
                .Append("</td><td>").Append(Fixed(c.BaselineMean)).Append(" ± ").Append(Fixed(c.BaselineStandardDeviation))
                .Append("</td><td>").Append(Fixed(c.LiveMean)).Append(" ± ").Append(Fixed(c.LiveStandardDeviation))
                .Append("</td><td>").Append(Fixed(c.StandardisedMeanShift)).Append("</td><td>").Append(Fixed(c.KolmogorovSmirnov)).Append(" ± ").Append(Fixed(c.KolmogorovSmirnovErrorBound))
                .Append("</td><td>").Append(Scientific(c.WorstWindowPValue)).Append("</td><td>").Append(Fixed(c.MedianWindowPsi)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        html.Append("<h2>Alerts</h2>\n");
        if (report.Alerts.Count == 0)
        {
            html.Append("<p id=\"alerts\">None.</p>\n");
        }
        else
        {
            html.Append("<table id=\"alerts\">\n<thead><tr><th>Row</th><th>Kind</th><th>Severity</th><th>State</th><th>Statistic</th><th>Value</th><th>Threshold</th><th>False-alarm rate</th><th>Channels</th></tr></thead>\n<tbody>\n");
            foreach (var a in report.Alerts)
            {
                html.Append("<tr><td>").Append(Number(a.Row)).Append("</td><td>").Append(Encode(a.Kind)).Append("</td><td>").Append(Encode(a.Severity))
                    .Append("</td><td>").Append(Encode(a.State)).Append("</td><td>").Append(Encode(a.Statistic)).Append("</td><td>").Append(Fixed(a.Value))
                    .Append("</td><td>").Append(Fixed(a.Threshold)).Append("</td><td>").Append(Scientific(a.FalseAlarmRate)).Append(' ').Append(Encode(a.FalseAlarmUnit))
                    .Append("</td><td>").Append(Encode(string.Join(", ", a.Channels))).Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<script>\n").Append(chartLibraryScript.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("\n</script>\n");
        html.Append("<script type=\"application/json\" id=\"plot-data\">").Append(PlotData(drifted)).Append("</script>\n");
        html.Append("<script>\n").Append(PlotScript).Append("\n</script>\n</body>\n</html>\n");
        output.Write(html.ToString());
    }

    private static string PlotData(IReadOnlyList<ChannelReport> drifted)
    {
        var plots = drifted.Select(c => new
        {
            channel = c.Name,
            labels = Labels(c),
            baseline = Shares(c.BaselineCounts),
            live = Shares(c.LiveCounts),
        });
        // The default encoder escapes '<', '>' and '&', so the JSON cannot close the script element.
        return JsonSerializer.Serialize(plots);
    }

    private static string[] Labels(ChannelReport c)
    {
        if (c.BinEdges.Count == 0)
        {
            return Enumerable.Range(0, c.BaselineCounts.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        }

        // Bin 0 is (−∞, e0), bin i is [e(i−1), e(i)), the last bin is [e_last, +∞): labels are the inner bins' midpoints.
        var edges = c.BinEdges;
        var labels = new List<string> { "< " + Short(edges[0]) };
        for (var i = 1; i < edges.Count; i++)
        {
            labels.Add(Short(0.5 * (edges[i - 1] + edges[i])));
        }

        labels.Add("≥ " + Short(edges[^1]));
        return labels.Take(c.BaselineCounts.Count).ToArray();
    }

    private static double[] Shares(IReadOnlyList<long> counts)
    {
        double total = counts.Sum();
        return counts.Select(n => total > 0 ? Math.Round(n / total, 6) : 0.0).ToArray();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Short(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Fixed(double value) => double.IsNaN(value) ? "–" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Scientific(double value) => double.IsNaN(value) ? "–" : value.ToString("0.##E+0", CultureInfo.InvariantCulture);

    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430;max-width:1200px}
        h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}.meta{color:#5b6575;font-size:.9rem}
        .note{background:#fff7e0;border-left:4px solid #e0a800;padding:.4rem .8rem}
        #verdict{font-weight:600;padding:.5rem .8rem;border-radius:4px}#verdict.ok{background:#e6f4ea}#verdict.drift{background:#fde8e8}
        .plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem}
        .plot{margin:0;border:1px solid #d8dde6;border-radius:4px;padding:.5rem}.plot figcaption{font-size:.85rem;margin-bottom:.3rem}
        table{border-collapse:collapse;font-size:.85rem;width:100%}th,td{border-bottom:1px solid #e3e7ee;padding:.3rem .5rem;text-align:left}
        tr.drift td{background:#fff1f1}
        """;

    private const string PlotScript = """
        (function () {
          const plots = JSON.parse(document.getElementById('plot-data').textContent);
          plots.forEach(function (p, k) {
            new Chart(document.getElementById('plot-' + k), {
              type: 'bar',
              data: {
                labels: p.labels,
                datasets: [
                  { label: 'baseline', data: p.baseline, backgroundColor: 'rgba(120,130,145,0.55)' },
                  { label: 'live', data: p.live, backgroundColor: 'rgba(214,54,54,0.6)' }
                ]
              },
              options: { animation: false, responsive: true, scales: { y: { title: { display: true, text: 'share of observations' } } } }
            });
          });
        })();
        """;
}
