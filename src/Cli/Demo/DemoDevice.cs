namespace EdgeSentinel.Cli.Demo;

/// <summary>What a simulated robot of the demo fleet is there to show.</summary>
internal enum DemoRole
{
    /// <summary>The honest policy in a clean world: must stay quiet.</summary>
    Honest,

    /// <summary>The honest policy whose range sensor ages (a gradual +1σ bias): input-drift expected.</summary>
    AgingSensor,

    /// <summary>The sleeper policy: behaves like the honest one until the deployment cue, then turns.</summary>
    Sleeper,
}

/// <summary>One robot of the demo fleet: its id, role, model, scenario and where its files are.</summary>
internal sealed record DemoDevice(string Id, DemoRole Role, string Model, string Scenario, long Seed, int? ChangeAtFrame, string Folder)
{
    public string ConfigPath => Path.Combine(Folder, Id + ".json");

    public string AlertsPath => Path.Combine(Folder, Id + ".alerts.jsonl");

    public string LogPath => Path.Combine(Folder, Id + ".log");

    public string RoleName => Role switch
    {
        DemoRole.Honest => "honest",
        DemoRole.AgingSensor => "aging sensor",
        _ => "sleeper",
    };

    /// <summary>The fleet's composition: one sleeper, one aging sensor, the rest honest; seeds derived from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<DemoDevice> Plan(int count, long seed, double rateHz, double sleeperAfterSeconds, double agingAfterSeconds, string folder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 3);
        var devices = new List<DemoDevice>(count);
        for (var i = 0; i < count; i++)
        {
            var id = $"robot-{i + 1:00}";
            var deviceSeed = seed * 1000 + i + 1;
            devices.Add(i switch
            {
                0 => new DemoDevice(id, DemoRole.Sleeper, "sleeper-explicit", "sleeper-explicit", deviceSeed, Frame(sleeperAfterSeconds, rateHz), folder),
                1 => new DemoDevice(id, DemoRole.AgingSensor, "policy", "gradual-bias-1sd-1ch", deviceSeed, Frame(agingAfterSeconds, rateHz), folder),
                _ => new DemoDevice(id, DemoRole.Honest, "policy", "clean", deviceSeed, null, folder),
            });
        }

        return devices;
    }

    private static int Frame(double seconds, double rateHz) => (int)Math.Clamp(Math.Round(seconds * rateHz), 0, int.MaxValue - 2);
}
