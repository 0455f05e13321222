using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Tests.Topics;

public sealed class EdgeTopicsTests
{
    [Theory]
    [InlineData(TopicKind.Alert, "edgesentinel/v1/fleet-1/dev.7_a/alert")]
    [InlineData(TopicKind.Fingerprint, "edgesentinel/v1/fleet-1/dev.7_a/fingerprint")]
    [InlineData(TopicKind.Status, "edgesentinel/v1/fleet-1/dev.7_a/status")]
    [InlineData(TopicKind.Command, "edgesentinel/v1/fleet-1/dev.7_a/cmd")]
    public void Build_ThenParse_RoundTrips(TopicKind kind, string expected)
    {
        var topic = EdgeTopics.Build("fleet-1", "dev.7_a", kind);

        Assert.Equal(expected, topic);
        Assert.True(EdgeTopics.TryParse(topic, out var address, out _));
        Assert.Equal(("fleet-1", "dev.7_a", kind), (address.Fleet, address.Device, address.Kind));
    }

    [Theory]
    [InlineData("", RejectionReason.InvalidTopic, "empty")]
    [InlineData("other/v1/f/d/alert", RejectionReason.InvalidTopic, "does not start")]
    [InlineData("edgesentinel/v2/f/d/alert", RejectionReason.UnsupportedVersion, "'v2'")]
    [InlineData("edgesentinel/x/f/d/alert", RejectionReason.InvalidTopic, "version level")]
    [InlineData("edgesentinel/v1/f/d", RejectionReason.InvalidTopic, "4 levels")]
    [InlineData("edgesentinel/v1/f/d/alert/extra", RejectionReason.InvalidTopic, "6 levels")]
    [InlineData("edgesentinel/v1/+/d/alert", RejectionReason.InvalidTopic, "wildcard")]
    [InlineData("edgesentinel/v1/f/#/alert", RejectionReason.InvalidTopic, "wildcard")]
    [InlineData("edgesentinel/v1/f/$SYS/alert", RejectionReason.InvalidTopic, "reserved")]
    [InlineData("edgesentinel/v1/f//alert", RejectionReason.InvalidTopic, "empty")]
    [InlineData("edgesentinel/v1/f/.hidden/alert", RejectionReason.InvalidTopic, "must start")]
    [InlineData("edgesentinel/v1/f/d e/alert", RejectionReason.InvalidTopic, "space")]
    [InlineData("edgesentinel/v1/f/dé/alert", RejectionReason.InvalidTopic, "non-ASCII")]
    [InlineData("edgesentinel/v1/f/d/alerts", RejectionReason.InvalidTopic, "kind level")]
    [InlineData("edgesentinel/v1/f/d/Alert", RejectionReason.InvalidTopic, "kind level")]
    public void TryParse_BadTopic_RejectedWithReasonNamingTheLevel(string topic, RejectionReason reason, string messagePart)
    {
        Assert.False(EdgeTopics.TryParse(topic, out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(messagePart, rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_IdAtMaximumLength_AcceptedAndOneLonger_Rejected()
    {
        var max = new string('a', Identifiers.MaxLength);
        var topic = EdgeTopics.Build(max, max, TopicKind.Fingerprint);
        Assert.Equal(EdgeTopics.MaxTopicLength, topic.Length);
        Assert.True(EdgeTopics.TryParse(topic, out _, out _));

        Assert.False(EdgeTopics.TryParse($"edgesentinel/v1/{max}a/d/alert", out _, out var rejection));
        Assert.Equal(RejectionReason.InvalidTopic, rejection.Reason);
        Assert.Contains("65 characters", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MutatedTopics_AcceptsExactlyWhatTheContractsPatternMatches()
    {
        // Reference: the contract as one regular expression (ids of 1-64 of [A-Za-z0-9._-], starting with a letter or digit).
        var pattern = new System.Text.RegularExpressions.Regex(@"^edgesentinel/v1/([A-Za-z0-9][A-Za-z0-9._-]{0,63})/([A-Za-z0-9][A-Za-z0-9._-]{0,63})/(alert|fingerprint|status|cmd)\z");
        var random = new Random(5);
        const string Alphabet = "ab09-_./+#$ AZé\0";
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var chars = EdgeTopics.Build(random.Next(2) == 0 ? "fleet-1" : new string('f', 64), "dev.7_a", Enum.GetValues<TopicKind>()[random.Next(4)]).ToCharArray().ToList();
            for (var edits = random.Next(3); edits > 0; edits--)
            {
                var at = random.Next(chars.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when at < chars.Count: chars.RemoveAt(at); break;
                    case 1 when at < chars.Count: chars[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                    default: chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                }
            }

            var topic = new string([.. chars]);
            var match = pattern.Match(topic);
            var parsed = EdgeTopics.TryParse(topic, out var address, out var rejection);
            Assert.True(match.Success == parsed, $"'{topic}': pattern {match.Success}, TryParse {parsed} ({rejection.Message})");
            if (parsed)
            {
                accepted++;
                Assert.Equal((match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value), (address.Fleet, address.Device, EdgeTopics.KindLevel(address.Kind)));
                Assert.Equal(topic, address.Topic);
            }
            else
            {
                Assert.NotEqual(default, rejection.Reason);
            }
        }

        Assert.InRange(accepted, 2_000, 18_000);
    }

    [Fact]
    public void TryParse_NullAndControlCharacters_NeverThrow()
    {
        Assert.False(EdgeTopics.TryParse(null, out _, out _));
        Assert.False(EdgeTopics.TryParse("edgesentinel/v1/f/d\0/alert", out _, out var rejection));
        Assert.Contains("U+0000", rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("")]
    public void Build_InvalidId_Throws(string id) =>
        Assert.Throws<ArgumentException>(() => EdgeTopics.Build(id, "d", TopicKind.Alert));

    [Fact]
    public void Filters_HaveTheDocumentedShape()
    {
        Assert.Equal("edgesentinel/v1/+/+/+", EdgeTopics.AllDevicesFilter());
        Assert.Equal("edgesentinel/v1/+/+/alert", EdgeTopics.AllDevicesFilter(TopicKind.Alert));
        Assert.Equal("edgesentinel/v1/f1/+/status", EdgeTopics.FleetFilter("f1", TopicKind.Status));
        Assert.Equal("$share/aggregators/edgesentinel/v1/+/+/+", EdgeTopics.SharedFilter("aggregators", EdgeTopics.AllDevicesFilter()));
    }
}
