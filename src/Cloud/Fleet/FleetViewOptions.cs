namespace EdgeSentinel.Cloud.Fleet;

/// <summary>How the fleet view judges liveness and which devices depart from their fleet.</summary>
public sealed class FleetViewOptions
{
    /// <summary>How often devices send a keep-alive (status or any message). Default: 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A device not heard from for this many keep-alive intervals counts as offline. Default: 3.</summary>
    public int OfflineAfterKeepAlives { get; set; } = 3;

    /// <summary>Family-wise error level of the fleet outlier check, split evenly (Bonferroni) across the devices checked, Holm across channels within a device. Default: 0.01.</summary>
    public double OutlierAlpha { get; set; } = 0.01;

    /// <summary>Smallest KS distance, after subtracting the sketches' error bound, that counts as a departure (large fleets make tiny differences significant). Default: 0.1.</summary>
    public double MinOutlierDistance { get; set; } = 0.1;

    /// <summary>Fewest devices running one model hash for the outlier check to run (a device is compared with at least two others). Default: 3.</summary>
    public int MinDevicesForOutlierCheck { get; set; } = 3;

    /// <summary>Share of a model group's devices with an open alert of one kind from which that kind counts as fleet-wide. Default: 0.5.</summary>
    public double FleetWideShare { get; set; } = 0.5;

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (KeepAliveInterval <= TimeSpan.Zero)
        {
            problems.Add($"KeepAliveInterval: {KeepAliveInterval} must be positive");
        }

        if (OfflineAfterKeepAlives < 1)
        {
            problems.Add($"OfflineAfterKeepAlives: {OfflineAfterKeepAlives} must be at least 1");
        }

        if (!(OutlierAlpha > 0 && OutlierAlpha < 0.5))
        {
            problems.Add($"OutlierAlpha: {OutlierAlpha} must be in (0, 0.5)");
        }

        if (!(MinOutlierDistance >= 0 && MinOutlierDistance < 1))
        {
            problems.Add($"MinOutlierDistance: {MinOutlierDistance} must be in [0, 1)");
        }

        if (MinDevicesForOutlierCheck < 3)
        {
            problems.Add($"MinDevicesForOutlierCheck: {MinDevicesForOutlierCheck} must be at least 3 (with two devices neither can be told apart as the odd one)");
        }

        if (!(FleetWideShare > 0 && FleetWideShare <= 1))
        {
            problems.Add($"FleetWideShare: {FleetWideShare} must be in (0, 1]");
        }

        return problems;
    }
}
