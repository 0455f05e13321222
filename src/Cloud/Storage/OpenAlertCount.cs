namespace EdgeSentinel.Cloud.Storage;

/// <summary>How many open (not cleared) alerts one device has of one model, severity and kind.</summary>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device that raised them.</param>
/// <param name="ModelHash">Model hash the device was running when it raised them.</param>
/// <param name="Severity">Wire name of the severity.</param>
/// <param name="Kind">Wire name of the kind.</param>
/// <param name="Count">Open alerts in the group (at least 1).</param>
/// <param name="Unacknowledged">Of those, not acknowledged in the cloud.</param>
public sealed record OpenAlertCount(string Fleet, string Device, string ModelHash, string Severity, string Kind, int Count, int Unacknowledged)
{
    /// <summary>Orders groups by fleet, device, model hash, severity and kind (ordinal).</summary>
    internal static int Compare(OpenAlertCount x, OpenAlertCount y)
    {
        var c = string.CompareOrdinal(x.Fleet, y.Fleet);
        c = c != 0 ? c : string.CompareOrdinal(x.Device, y.Device);
        c = c != 0 ? c : string.CompareOrdinal(x.ModelHash, y.ModelHash);
        c = c != 0 ? c : string.CompareOrdinal(x.Severity, y.Severity);
        return c != 0 ? c : string.CompareOrdinal(x.Kind, y.Kind);
    }

    /// <summary>Counts whole alert rows the same way a store does in SQL: open ones only, grouped and ordered.</summary>
    internal static List<OpenAlertCount> Tally(IEnumerable<StoredAlert> alerts)
    {
        var counts = alerts.Where(a => a.IsOpen)
            .GroupBy(a => (a.Fleet, a.Device, a.ModelHash, a.Severity, a.Kind))
            .Select(g => new OpenAlertCount(g.Key.Fleet, g.Key.Device, g.Key.ModelHash, g.Key.Severity, g.Key.Kind, g.Count(), g.Count(a => a.AcknowledgedAt is null)))
            .ToList();
        counts.Sort(Compare);
        return counts;
    }
}
