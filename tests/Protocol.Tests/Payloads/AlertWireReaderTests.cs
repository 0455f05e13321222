using System.Text;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Protocol.Tests.Payloads;

/// <summary>
/// The one-pass alert reader (the receive path's fast path) against the full path it stands in for: whatever it
/// accepts, <see cref="EnvelopeCodec.TryDecode(string?, ReadOnlySpan{byte}, MessageProperties, out Envelope?, out Rejection)"/>
/// followed by <see cref="AlertCodec.TryDecode(Envelope, ProtocolLimits, out Alert?, out Rejection)"/> accepts with the
/// same envelope and alert; and it does take the messages devices send.
/// </summary>
public sealed class AlertWireReaderTests
{
    private static readonly string Topic = Wire.Address(TopicKind.Alert).Topic;
    private static readonly MessageProperties Properties = Wire.Props(TopicKind.Alert);

    private static Alert Plain(long n) => new(
        $"{Wire.Device}-a{n}", Wire.Device, "model-a", AlertKind.InputDrift, "inputs", AlertSeverity.Warning, AlertState.Raised, n, n + 3, TestAlerts.Raised, TestAlerts.Raised.AddSeconds(1),
        new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", [new ChannelContribution("input.x", "ks", 0.31, 0.31)]));

    private static Alert Wide() => Plain(9) with
    {
        Evidence = new AlertEvidence("cusum", 12.5, 9.8, 1e-6, "per sample", [.. Enumerable.Range(0, 20).Select(i => new ChannelContribution($"ch<{i}>+'&", "ks", i * 0.01, i - 10.5))]),
    };

    private static IEnumerable<byte[]> ValidMessages() =>
    [
        Wire.Encode(TopicKind.Alert, 3, AlertCodec.Encode(TestAlerts.Sample())), // ±∞, non-ASCII (escaped by the writer), ticks
        Wire.Encode(TopicKind.Alert, 42, AlertCodec.Encode(Plain(42))),
        Wire.Encode(TopicKind.Alert, long.MaxValue, AlertCodec.Encode(Wide()), timestamp: DateTimeOffset.FromUnixTimeMilliseconds(Envelope.MaxTimestampMilliseconds)),
    ];

    /// <summary>The full path: envelope, then the alert body of the envelope.</summary>
    private static bool TryFull(byte[] message, out Envelope? envelope, out Alert? alert, out Rejection rejection)
    {
        alert = null;
        return EnvelopeCodec.TryDecode(Topic, message, Properties, ProtocolLimits.Default, out envelope, out rejection)
            && AlertCodec.TryDecode(envelope, ProtocolLimits.Default, out alert, out rejection);
    }

    /// <summary>When the fast path accepts, the full path accepts the same message with the same result.</summary>
    private static bool CheckAgreement(byte[] message)
    {
        if (!EnvelopeCodec.TryDecodeAlert(Topic, message, Properties, ProtocolLimits.Default, out var fast, out var fastAlert))
        {
            return false;
        }

        Assert.True(TryFull(message, out var full, out var fullAlert, out var rejection), $"fast path accepted what the full path refuses ({rejection.Reason}: {rejection.Message}): {Encoding.UTF8.GetString(message)}");
        Assert.Equal(full!.Address, fast.Address);
        Assert.Equal(full.SchemaVersion, fast.SchemaVersion);
        Assert.Equal(full.Sequence, fast.Sequence);
        Assert.Equal(full.TimestampMilliseconds, fast.TimestampMilliseconds);
        Assert.Equal(full.Payload.ToArray(), fast.Payload.ToArray());
        Assert.Equal(full.Signature.ToArray(), fast.Signature.ToArray());
        Assert.Equal(AlertCodec.Encode(fullAlert!), AlertCodec.Encode(fastAlert));
        return true;
    }

    [Fact]
    public void TryDecodeAlert_WhatDevicesSend_TakesTheFastPathWithTheFullPathsResult()
    {
        foreach (var message in ValidMessages())
        {
            Assert.True(CheckAgreement(message), Encoding.UTF8.GetString(message));
        }
    }

    [Fact]
    public void TryDecodeAlert_PropertiesInAnyOrderAndWhitespace_AgreesWithTheFullPath()
    {
        var random = new Random(5_2026);
        var fastTaken = 0;
        foreach (var message in ValidMessages())
        {
            for (var i = 0; i < 200; i++)
            {
                fastTaken += CheckAgreement(Rewrite(random, message)) ? 1 : 0;
            }
        }

        Assert.Equal(600, fastTaken); // reordered and spaced, still plain: all take the fast path
    }

    [Fact]
    public void TryDecodeAlert_MutatedMessages_NeverAcceptsWhatTheFullPathRefusesOrReadsItDifferently()
    {
        var random = new Random(20261124);
        var valid = ValidMessages().ToList();
        int fastTaken = 0, fullAccepted = 0;
        for (var i = 0; i < 15_000; i++)
        {
            var source = valid[i % valid.Count];
            var message = Mutate(random, i % 2 == 0 ? source : Rewrite(random, source));
            fastTaken += CheckAgreement(message) ? 1 : 0;
            fullAccepted += TryFull(message, out _, out _, out _) ? 1 : 0;
        }

        // Mutations that keep the message valid (a digit, a letter in a string, whitespace) must reach the fast path's
        // acceptance often enough for the agreement to be tested there too; the full path accepts at least as many.
        Assert.InRange(fastTaken, 300, fullAccepted);
    }

    [Theory]
    [InlineData("duplicate property", """{"v":1,"v":1""")]
    [InlineData("escaped signature", "sig-escaped")]
    [InlineData("whitespace after the envelope", "trailing")]
    [InlineData("unknown property", """{"v":1,"x":0""")]
    public void TryDecodeAlert_UnusualMessages_LeaveTheDecisionToTheFullPath(string what, string edit)
    {
        var message = Encoding.UTF8.GetString(Wire.Encode(TopicKind.Alert, 3, AlertCodec.Encode(Plain(3))));
        message = edit switch
        {
            "sig-escaped" => EscapeFirstSignatureDigit(message),
            "trailing" => message + " ",
            _ => string.Concat(edit, message.AsSpan(6)),
        };
        var bytes = Encoding.UTF8.GetBytes(message);

        Assert.False(EnvelopeCodec.TryDecodeAlert(Topic, bytes, Properties, ProtocolLimits.Default, out _, out _), what);
        var full = TryFull(bytes, out _, out _, out var rejection);
        switch (edit)
        {
            case "trailing": Assert.True(full, rejection.Message); break; // whitespace is allowed; only the fast path leaves it to the full path
            case "sig-escaped": Assert.True(full, rejection.Message); break;
            default: Assert.Equal(RejectionReason.Malformed, rejection.Reason); break;
        }
    }

    [Fact]
    public void TryVerify_AlertsOnTheFastPath_SameVerdictsAsBefore()
    {
        // Through the verifier: a valid alert is accepted, a replay refused as replayed, a forged one as a bad signature,
        // an alert for another device on this device's topic as a topic mismatch — the fast path changes none of that.
        var time = new FakeTimeProvider(Wire.Now);
        var verifier = new InboundVerifier(_ => Wire.DeviceKey, new ReplayGuard(time));
        var valid = Wire.Encode(TopicKind.Alert, 5, AlertCodec.Encode(Plain(5)));
        Assert.True(verifier.TryVerify(Topic, valid, Properties, out var inbound, out _));
        Assert.Equal(Plain(5).Id, inbound.Alert!.Id);
        verifier.Commit(inbound);
        Assert.False(verifier.TryVerify(Topic, valid, Properties, out _, out var replayed));
        Assert.Equal(RejectionReason.Replayed, replayed.Reason);

        var forged = Wire.Encode(TopicKind.Alert, 6, AlertCodec.Encode(Plain(6)), key: Wire.OperatorKey);
        Assert.False(verifier.TryVerify(Topic, forged, Properties, out _, out var bad));
        Assert.Equal(RejectionReason.BadSignature, bad.Reason);

        var other = Wire.Encode(TopicKind.Alert, 7, AlertCodec.Encode(TestAlerts.Sample("dev-8")));
        Assert.False(verifier.TryVerify(Topic, other, Properties, out _, out var mismatch));
        Assert.Equal(RejectionReason.TopicMismatch, mismatch.Reason);
    }

    [Theory]
    [InlineData("2026-11-25T08:00:00.1234567Z")]
    [InlineData("0001-01-01T00:00:00.0000000Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2024-02-29T12:30:45.0000001Z")] // a leap day
    [InlineData("2023-02-29T12:30:45.0000001Z")] // not one
    [InlineData("1900-02-29T00:00:00.0000000Z")] // not one either (a century)
    [InlineData("2000-02-29T00:00:00.0000000Z")] // one (every 400 years)
    [InlineData("0000-01-01T00:00:00.0000000Z")]
    [InlineData("2026-00-10T00:00:00.0000000Z")]
    [InlineData("2026-13-10T00:00:00.0000000Z")]
    [InlineData("2026-04-31T00:00:00.0000000Z")]
    [InlineData("2026-04-00T00:00:00.0000000Z")]
    [InlineData("2026-04-30T24:00:00.0000000Z")]
    [InlineData("2026-04-30T23:60:00.0000000Z")]
    [InlineData("2026-04-30T23:59:60.0000000Z")]
    [InlineData("2026-04-30T23:59:59.000000Z")]
    [InlineData("2026-04-30T23:59:59.00000000Z")]
    [InlineData("2026-04-30 23:59:59.0000000Z")]
    [InlineData("2026-04-30T23:59:59.0000000z")]
    [InlineData("2026-04-30T23:59:59,0000000Z")]
    [InlineData("2026-4-030T23:59:59.0000000Z")]
    [InlineData("+026-04-30T23:59:59.0000000Z")]
    [InlineData("2026-04-30T23:59:59.00000-0Z")]
    [InlineData("2026-04-30T23:59:59.0000000+")]
    [InlineData("٢٠٢٦-04-30T23:59:59.0000000Z")] // Arabic-Indic digits: not ASCII
    public void TryReadTimestamp_AcceptsExactlyWhatTryParseExactAccepts_WithTheSameInstant(string text)
    {
        var parsed = DateTimeOffset.TryParseExact(text, DoubleText.TimestampFormats, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var expected);
        var read = AlertWireReader.TryReadTimestamp(Encoding.UTF8.GetBytes(text), out var value);

        // What the byte reader takes, TryParseExact takes too, to the tick and with offset zero; the rest is left to it.
        if (read)
        {
            Assert.True(parsed, text);
            Assert.Equal(expected.UtcTicks, value.UtcTicks);
            Assert.Equal(expected.Offset, value.Offset);
        }
        else
        {
            Assert.False(parsed && text.Length == 28 && Ascii.IsValid(text), $"{text}: TryParseExact reads it, the byte reader should too");
        }
    }

    [Fact]
    public void TryReadTimestamp_EveryInstantWrittenAsDevicesWriteIt_ReadsBackExactly()
    {
        var random = new Random(2511);
        for (var i = 0; i < 20_000; i++)
        {
            var instant = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks + 1), TimeSpan.Zero);
            var text = instant.UtcDateTime.ToString(DoubleText.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(AlertWireReader.TryReadTimestamp(Encoding.ASCII.GetBytes(text), out var value), text);
            Assert.Equal(instant, value);
            Assert.Equal(TimeSpan.Zero, value.Offset);
        }
    }

    [Fact]
    public void TryDecodeAlert_RecurringValuesAndWireNames_SameAlertAsTheFullPathAcrossMessages()
    {
        // Model hash, subject, statistics, units and channel names are shared between messages that carry the same text;
        // every kind, severity and state is read from its bytes. A message that differs in one of them must not get the
        // value of the message before it.
        var kinds = Enum.GetValues<AlertKind>();
        var severities = Enum.GetValues<AlertSeverity>();
        var states = Enum.GetValues<AlertState>();
        for (var n = 1; n <= 300; n++)
        {
            var alert = Plain(n) with
            {
                ModelHash = n % 3 == 0 ? "model-a" : $"model-{n % 7}",
                Kind = kinds[n % kinds.Length],
                Subject = n % 2 == 0 ? "inputs" : "outputs",
                Severity = severities[n % severities.Length],
                State = states[n % states.Length],
                Evidence = new AlertEvidence($"stat-{n % 5}", 1e-7, 1e-4, 1e-4, n % 4 == 0 ? "per sample" : "per window", [new ChannelContribution($"input.{(char)('a' + (n % 26))}", n % 2 == 0 ? "ks" : "psi", 0.31, 0.31)]),
            };
            var message = Wire.Encode(TopicKind.Alert, n, AlertCodec.Encode(alert));
            Assert.True(CheckAgreement(message), Encoding.UTF8.GetString(message));
            Assert.True(EnvelopeCodec.TryDecodeAlert(Topic, message, Properties, ProtocolLimits.Default, out _, out var read));
            Assert.Equal(AlertCodec.Encode(alert), AlertCodec.Encode(read));
        }
    }

    private static string EscapeFirstSignatureDigit(string message)
    {
        var at = message.IndexOf("\"sig\":\"", StringComparison.Ordinal) + 7;
        return string.Concat(message.AsSpan(0, at), $"\\u{(int)message[at]:x4}", message.AsSpan(at + 1));
    }

    /// <summary>The same JSON with every object's properties shuffled and random whitespace between tokens.</summary>
    private static byte[] Rewrite(Random random, byte[] message)
    {
        using var document = JsonDocument.Parse(message);
        var text = new StringBuilder();
        Write(random, document.RootElement, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Write(Random random, JsonElement element, StringBuilder text)
    {
        string Space() => random.Next(3) == 0 ? new string(" \t\n\r"[random.Next(4)], 1 + random.Next(2)) : string.Empty;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{').Append(Space());
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(_ => random.Next()))
                {
                    text.Append(first ? string.Empty : "," + Space());
                    first = false;
                    text.Append(JsonSerializer.Serialize(property.Name)).Append(Space()).Append(':').Append(Space());
                    Write(random, property.Value, text);
                    text.Append(Space());
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[').Append(Space());
                var comma = false;
                foreach (var item in element.EnumerateArray())
                {
                    text.Append(comma ? "," + Space() : string.Empty);
                    comma = true;
                    Write(random, item, text);
                    text.Append(Space());
                }

                text.Append(']');
                break;
            default:
                text.Append(element.GetRawText());
                break;
        }
    }

    /// <summary>Random byte edits (<see cref="CodecFuzzTests.Mutate"/>), or one digit or letter changed: an edit that often keeps the message valid.</summary>
    private static byte[] Mutate(Random random, byte[] original)
    {
        if (random.Next(2) == 0)
        {
            return CodecFuzzTests.Mutate(random, original);
        }

        var bytes = original.ToArray();
        for (var tries = 0; tries < 100; tries++)
        {
            var at = random.Next(bytes.Length);
            if (bytes[at] is >= (byte)'0' and <= (byte)'9')
            {
                bytes[at] = (byte)('0' + random.Next(10));
                return bytes;
            }

            if (bytes[at] is >= (byte)'a' and <= (byte)'z')
            {
                bytes[at] = (byte)('a' + random.Next(26));
                return bytes;
            }
        }

        return bytes;
    }
}
