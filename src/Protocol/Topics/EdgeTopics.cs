using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Protocol.Topics;

/// <summary>Builds, validates and parses the topics <c>edgesentinel/v1/{fleet}/{device}/{alert|fingerprint|status|cmd}</c>.</summary>
/// <remarks>Thread-safe (stateless).</remarks>
public static class EdgeTopics
{
    /// <summary>The first topic level.</summary>
    public const string Root = "edgesentinel";

    /// <summary>The version level of this contract.</summary>
    public const string Version = "v1";

    /// <summary>The common prefix, <c>edgesentinel/v1</c>.</summary>
    public const string Prefix = Root + "/" + Version;

    /// <summary>Longest topic this contract produces (both ids at their maximum length); longer topics are rejected unparsed.</summary>
    public const int MaxTopicLength = 16 + Identifiers.MaxLength + 1 + Identifiers.MaxLength + 1 + 11; // "edgesentinel/v1/" fleet "/" device "/" "fingerprint"

    /// <summary>The topic level of <paramref name="kind"/>: "alert", "fingerprint", "status" or "cmd".</summary>
    public static string KindLevel(TopicKind kind) => kind switch
    {
        TopicKind.Alert => "alert",
        TopicKind.Fingerprint => "fingerprint",
        TopicKind.Status => "status",
        TopicKind.Command => "cmd",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a defined TopicKind."),
    };

    /// <summary>Parses a kind level ("alert", "fingerprint", "status", "cmd"; exact, lower case).</summary>
    public static bool TryParseKind(string? level, out TopicKind kind)
    {
        switch (level)
        {
            case "alert": kind = TopicKind.Alert; return true;
            case "fingerprint": kind = TopicKind.Fingerprint; return true;
            case "status": kind = TopicKind.Status; return true;
            case "cmd": kind = TopicKind.Command; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>Validates the ids and returns the address; throws <see cref="ArgumentException"/> naming the problem.</summary>
    public static TopicAddress Address(string fleet, string device, TopicKind kind)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        _ = KindLevel(kind);
        return new TopicAddress(fleet, device, kind);
    }

    /// <summary>Returns <c>edgesentinel/v1/{fleet}/{device}/{kind}</c>; throws <see cref="ArgumentException"/> for invalid ids.</summary>
    public static string Build(string fleet, string device, TopicKind kind)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        return $"{Prefix}/{fleet}/{device}/{KindLevel(kind)}";
    }

    /// <summary>Filter for one kind from every device of every fleet, e.g. <c>edgesentinel/v1/+/+/alert</c>; null for all kinds (<c>.../+/+/+</c>).</summary>
    public static string AllDevicesFilter(TopicKind? kind = null) =>
        $"{Prefix}/+/+/{(kind is { } k ? KindLevel(k) : "+")}";

    /// <summary>Filter for one kind from every device of one fleet; null for all kinds.</summary>
    public static string FleetFilter(string fleet, TopicKind? kind = null)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        return $"{Prefix}/{fleet}/+/{(kind is { } k ? KindLevel(k) : "+")}";
    }

    /// <summary>The MQTT 5 shared-subscription form of <paramref name="filter"/>: <c>$share/{group}/{filter}</c>.</summary>
    public static string SharedFilter(string group, string filter)
    {
        Identifiers.EnsureValid(group, nameof(group));
        ArgumentException.ThrowIfNullOrEmpty(filter);
        return $"$share/{group}/{filter}";
    }

    /// <summary>Parses a topic into (fleet, device, kind); on failure the rejection is <see cref="RejectionReason.InvalidTopic"/> or <see cref="RejectionReason.UnsupportedVersion"/> and names the bad level.</summary>
    public static bool TryParse([NotNullWhen(true)] string? topic, out TopicAddress address, out Rejection rejection)
    {
        address = default;
        if (string.IsNullOrEmpty(topic))
        {
            rejection = new(RejectionReason.InvalidTopic, "topic is empty");
            return false;
        }

        if (topic.Length > MaxTopicLength)
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic is {topic.Length} characters long (at most {MaxTopicLength})");
            return false;
        }

        if (TryParseValid(topic, out address))
        {
            rejection = default;
            return true;
        }

        // Something is wrong with it: the level-by-level reading below names what.
        var levels = topic.Split('/');
        if (levels[0] != Root)
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic '{Identifiers.Sanitize(topic)}' does not start with '{Root}/'");
            return false;
        }

        if (levels.Length < 2 || levels[1] != Version)
        {
            var version = levels.Length < 2 ? "(none)" : Identifiers.Sanitize(levels[1]);
            var looksVersioned = levels.Length >= 2 && levels[1].Length > 1 && levels[1][0] == 'v' && levels[1].AsSpan(1).ContainsAnyExceptInRange('0', '9') == false;
            rejection = new(
                looksVersioned ? RejectionReason.UnsupportedVersion : RejectionReason.InvalidTopic,
                $"topic version level is '{version}' (this code reads '{Version}')");
            return false;
        }

        if (levels.Length != 5)
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic '{Identifiers.Sanitize(topic)}' has {levels.Length} levels (expected 5: {Prefix}/fleet/device/kind)");
            return false;
        }

        if (!Identifiers.IsValid(levels[2], out var fleetProblem))
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic fleet level '{Identifiers.Sanitize(levels[2])}' {fleetProblem}");
            return false;
        }

        if (!Identifiers.IsValid(levels[3], out var deviceProblem))
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic device level '{Identifiers.Sanitize(levels[3])}' {deviceProblem}");
            return false;
        }

        if (!TryParseKind(levels[4], out var kind))
        {
            rejection = new(RejectionReason.InvalidTopic, $"topic kind level '{Identifiers.Sanitize(levels[4])}' is not one of alert, fingerprint, status, cmd");
            return false;
        }

        address = new TopicAddress(levels[2], levels[3], kind);
        rejection = default;
        return true;
    }

    /// <summary>The common case without splitting the topic: a valid topic of this contract, only fleet and device copied out; false for anything else.</summary>
    private static bool TryParseValid(string topic, out TopicAddress address)
    {
        address = default;
        var rest = topic.AsSpan();
        if (!rest.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[(Prefix.Length + 1)..];
        var fleetEnd = rest.IndexOf('/');
        if (fleetEnd < 0)
        {
            return false;
        }

        var afterFleet = rest[(fleetEnd + 1)..];
        var deviceEnd = afterFleet.IndexOf('/');
        if (deviceEnd < 0)
        {
            return false;
        }

        var fleet = rest[..fleetEnd];
        var device = afterFleet[..deviceEnd];
        var level = afterFleet[(deviceEnd + 1)..];
        TopicKind kind;
        if (level.SequenceEqual("alert"))
        {
            kind = TopicKind.Alert;
        }
        else if (level.SequenceEqual("fingerprint"))
        {
            kind = TopicKind.Fingerprint;
        }
        else if (level.SequenceEqual("status"))
        {
            kind = TopicKind.Status;
        }
        else if (level.SequenceEqual("cmd"))
        {
            kind = TopicKind.Command;
        }
        else
        {
            return false; // includes a kind level with a further '/'
        }

        if (!Identifiers.IsValidId(fleet) || !Identifiers.IsValidId(device))
        {
            return false;
        }

        address = new TopicAddress(fleet.ToString(), device.ToString(), kind);
        return true;
    }
}
