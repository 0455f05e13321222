using System.Globalization;
using System.Text.Json;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Dashboard.Tests.Support;
using EdgeSentinel.Monitor.Alerts;
using Microsoft.Playwright;

namespace EdgeSentinel.Dashboard.Tests;

/// <summary>
/// The dashboard in Debian's Chromium against an aggregator fed through MQTT. Screenshots go to
/// bin/&lt;config&gt;/net10.0/artifacts/screenshots/ of this project.
/// </summary>
[Collection(DashboardGroup.Name)]
public sealed class DashboardBrowserTests(DashboardFleet fleet, Browser browser)
{
    [Fact]
    public async Task Overview_ListsEveryDeviceWithFleetModelLivenessBacklogAndFleetStatus()
    {
        var page = await browser.NewPageAsync(fleet.Address);
        await page.GotoAsync("/dashboard/");
        await page.WaitForSelectorAsync("#view[data-view=overview] #devices");

        var rows = await page.Locator("#devices tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.device)");
        Assert.Equal(DashboardFleet.Devices.Select(d => $"{d.Fleet}/{d.Device}").Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
        foreach (var (f, d) in DashboardFleet.Devices)
        {
            var row = page.Locator($"#devices tr[data-device='{f}/{d}']");
            Assert.Equal("online", await row.GetAttributeAsync("data-liveness"));
            Assert.Equal(DashboardFleet.OutboxOf(d).ToString(CultureInfo.InvariantCulture), (await row.Locator("td.outbox").InnerTextAsync()).Trim());
            Assert.Equal(fleet.ModelHash, await row.Locator("td[title]").First.GetAttributeAsync("title"));
        }

        // robot-3 has one open warning (raised by the fixture); robot-2 may get more from the live test, robot-3 never does.
        var robot3 = page.Locator("#devices tr[data-device='plant-a/robot-3'] td.open-alerts");
        Assert.Equal("1", (await robot3.Locator("[data-severity=warning]").InnerTextAsync()).Trim());
        Assert.Equal("0", (await robot3.Locator("[data-severity=critical]").InnerTextAsync()).Trim());

        // robot-3's input x is shifted by 1.5 standard deviations over 512 observations: the fleet outlier check must single it out.
        var status = await page.Locator(".card[data-fleet=plant-a] [data-fleet-status=outliers]").InnerTextAsync();
        Assert.Contains("robot-3", status, StringComparison.Ordinal);
        Assert.DoesNotContain("robot-1", status, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator(".card[data-fleet=plant-a] [data-fleet-status=fleet-wide]").CountAsync()); // one of three devices drifts: not fleet-wide

        await page.SelectOptionAsync("select[name=fleet]", "plant-b");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#devices tbody tr').length === 1");
        Assert.Equal("plant-b/arm-1", await page.Locator("#devices tbody tr").GetAttributeAsync("data-device"));
        await page.SelectOptionAsync("select[name=fleet]", "");
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('#devices tbody tr').length === {DashboardFleet.Devices.Length}");
        await Browser.ScreenshotAsync(page, "overview");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NewAlert_PublishedWhileAlertsPageIsOpen_AppearsWithoutReload()
    {
        var page = await browser.NewPageAsync(fleet.Address);
        await page.GotoAsync("/dashboard/#/alerts");
        await page.WaitForSelectorAsync("#view[data-view=alerts] table.alerts");
        await page.WaitForSelectorAsync("#live[data-state=live]"); // subscribed: nothing published from now on is missed
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        Assert.Equal(0, await page.Locator("tr[data-alert-id='robot-2-live-1']").CountAsync());

        await fleet.PublishAlertAsync("robot-2", "robot-2-live-1", AlertKind.BehaviorDivergence, AlertSeverity.Critical, "output.sum", TimeProvider.System.GetUtcNow());

        var row = page.Locator("tr[data-alert-id='robot-2-live-1']");
        await row.WaitForAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        Assert.Contains("behavior-divergence", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("raised", await row.GetAttributeAsync("data-state"));
        await Browser.ScreenshotAsync(page, "alerts-live");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Acknowledge_FromAlertsPage_ChangesLifecycleStateAndTheApiAgrees()
    {
        var page = await browser.NewPageAsync(fleet.Address);

        // Opened as the demo prints it: the token in the fragment goes to the tab's sessionStorage and leaves the address.
        await page.GotoAsync($"/dashboard/#token={DashboardFleet.ApiToken}");
        await page.WaitForSelectorAsync("#view[data-view=overview]");
        Assert.DoesNotContain(DashboardFleet.ApiToken, page.Url, StringComparison.Ordinal);
        Assert.Equal(DashboardFleet.ApiToken, await page.EvaluateAsync<string>("() => sessionStorage.getItem('edgesentinel.apiToken')"));
        await page.GotoAsync("/dashboard/#/alerts");
        var row = page.Locator("tr[data-alert-id='robot-1-drift-1']");
        await row.WaitForAsync();
        Assert.Equal("raised", await row.GetAttributeAsync("data-state"));
        await page.FillAsync("#user", "alice");

        await row.Locator("button.ack").ClickAsync();

        await page.WaitForSelectorAsync("tr[data-alert-id='robot-1-drift-1'][data-state=acknowledged]");
        Assert.Contains("acknowledged by alice", await page.Locator("tr[data-alert-id='robot-1-drift-1']").InnerTextAsync(), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = fleet.Address };
        var alert = JsonDocument.Parse(await http.GetStringAsync("/api/alerts/robot-1-drift-1")).RootElement.GetProperty("alert");
        Assert.Equal("alice", alert.GetProperty("acknowledgedBy").GetString());
        Assert.Equal("raised", alert.GetProperty("state").GetString()); // acknowledging does not clear: the device decides that
        await Browser.ScreenshotAsync(page, "alerts-acknowledged");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Acknowledge_WithoutToken_PageShowsAClearError_AlertStaysUnacknowledged_ThenWorksWithTheTokenEntered()
    {
        await fleet.PublishAlertAsync("robot-2", "robot-2-noauth-1", AlertKind.InputDrift, AlertSeverity.Warning, "input.x", TimeProvider.System.GetUtcNow());
        var page = await browser.NewPageAsync(fleet.Address); // a new browser context: no token in its sessionStorage
        await page.GotoAsync("/dashboard/#/alerts");
        var row = page.Locator("tr[data-alert-id='robot-2-noauth-1']");
        await row.WaitForAsync();
        Assert.True(await page.Locator("#auth-error").IsHiddenAsync());

        await row.Locator("button.ack").ClickAsync();

        var error = page.Locator("#auth-error");
        await error.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        var text = await error.InnerTextAsync();
        Assert.Contains("robot-2-noauth-1 was not acknowledged: acknowledging needs the aggregator's API token", text, StringComparison.Ordinal);
        Assert.Contains("No token is entered", text, StringComparison.Ordinal);
        Assert.Contains("send 'Authorization: Bearer <token>'", text, StringComparison.Ordinal); // the server's reason, shown as given
        Assert.Equal("raised", await row.GetAttributeAsync("data-state"));
        using var http = new HttpClient { BaseAddress = fleet.Address };
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await http.GetStringAsync("/api/alerts/robot-2-noauth-1")).RootElement.GetProperty("alert").GetProperty("acknowledgedBy").ValueKind);
        await Browser.ScreenshotAsync(page, "alerts-acknowledge-without-token");

        // A wrong token is refused with its own message; the right one, entered in the header, acknowledges.
        await page.FillAsync("#token", DashboardFleet.ApiToken + "-wrong");
        await page.Locator("#token").DispatchEventAsync("change");
        await row.Locator("button.ack").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('auth-error').textContent.includes('The token entered was refused')");
        await page.FillAsync("#token", DashboardFleet.ApiToken);
        await page.Locator("#token").DispatchEventAsync("change");
        Assert.True(await error.IsHiddenAsync());
        await row.Locator("button.ack").ClickAsync();
        await page.WaitForSelectorAsync("tr[data-alert-id='robot-2-noauth-1'][data-state=acknowledged]");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DevicePage_DrawsDriftTimelinesAgainstTheBaselineBandWithAlertMarkers()
    {
        var page = await browser.NewPageAsync(fleet.Address);
        await page.GotoAsync("/dashboard/#/device/plant-a/robot-3");
        await page.WaitForSelectorAsync("#view[data-view=device] canvas[data-chart='input.x']");

        var charts = await page.EvaluateAsync<JsonElement>(
            """
            () => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
              const chart = Chart.getChart(c);
              return { name: c.dataset.chart, kind: c.dataset.kind, datasets: chart.data.datasets.map(d => ({ label: d.label, ys: d.data.map(p => p.y) })) };
            })
            """);
        var byName = charts.EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Equal("input.x", charts[0].GetProperty("name").GetString()); // the channel the alert implicates comes first
        Assert.True(byName.ContainsKey("input.y"));
        Assert.Contains("statistic:min-holm-adjusted-p", byName.Keys);

        var x = Datasets(byName["input.x"]);
        Assert.Equal(DashboardFleet.Windows, x["live median"].Length); // one point per window (windows 4 min apart, buckets of 24 s)
        // Baseline inputs are N(0, 1): its 5th/95th percentiles are ∓1.645 (±0.2 for 2000 samples and the sketch's rank error).
        Assert.InRange(x["baseline p05"][0], -1.645 - 0.2, -1.645 + 0.2);
        Assert.InRange(x["baseline 5–95 % band"][0], 1.645 - 0.2, 1.645 + 0.2);
        // robot-3's x is shifted by 1.5: each window's median (64 observations) sits near 1.5, well above the baseline median near 0.
        Assert.All(x["live median"], m => Assert.InRange(m, DashboardFleet.Robot3Shift - 0.6, DashboardFleet.Robot3Shift + 0.6));
        Assert.Single(x["alerts"]);

        var y = Datasets(byName["input.y"]);
        Assert.Equal(DashboardFleet.Windows, y["live median"].Length);
        Assert.False(y.ContainsKey("alerts")); // no alert names input.y on robot-3

        var statistic = Datasets(byName["statistic:min-holm-adjusted-p"]);
        Assert.Equal([2e-9], statistic["value at alert"]);
        Assert.Equal([1e-4], statistic["calibrated threshold"]);

        var alertRow = page.Locator("tr[data-alert-id='robot-3-drift-1']");
        var text = await alertRow.InnerTextAsync();
        Assert.Contains("min-holm-adjusted-p", text, StringComparison.Ordinal);
        Assert.Contains("2.00e-9 vs 1.00e-4", text, StringComparison.Ordinal);
        Assert.Contains("input.x", text, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "device-robot-3");
        await page.Context.CloseAsync();
    }

    private static Dictionary<string, double[]> Datasets(JsonElement chart) =>
        chart.GetProperty("datasets").EnumerateArray().ToDictionary(
            d => d.GetProperty("label").GetString()!,
            d => d.GetProperty("ys").EnumerateArray().Select(v => v.GetDouble()).ToArray());
}
