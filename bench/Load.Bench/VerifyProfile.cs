using System.Diagnostics;
using EdgeSentinel.FleetLoad;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.LoadBench;

/// <summary>
/// The aggregator's receive-side CPU per message of the load mix, without a broker: the load's signed messages
/// (every 5th an alert, the rest fingerprints) through <c>InboundVerifier.TryVerify</c> on one thread, as the
/// ingest runs it (payload kept, fingerprints validated, not decoded), with the payload copied, and with the fingerprint
/// decoded as well (before session 7 every fingerprint was copied and decoded to validate it); then the fingerprint
/// alone. Process CPU (GC threads included) per message, so the figures hold on a loaded machine.
/// </summary>
internal static class VerifyProfile
{
    public static int Run(int messages, int rounds, bool reference)
    {
        var load = LoadMessages.Create(reference);
        var key = SigningKey.Generate();
        var now = TimeProvider.System.GetUtcNow();
        var wires = new List<(string Topic, byte[] Wire, TopicKind Kind)>(messages);
        for (var n = 1; n <= messages; n++)
        {
            var device = $"dev-{n % 200:D3}";
            var sequence = (n / 200) + 1L;
            var alert = n % 5 == 0;
            var kind = alert ? TopicKind.Alert : TopicKind.Fingerprint;
            var address = EdgeTopics.Address("load", device, kind);
            var body = alert ? load.AlertBody(device, sequence, now) : load.FingerprintBody(sequence, now);
            wires.Add((address.Topic, EnvelopeCodec.Encode(Envelope.Seal(key, address, sequence, now, body)), kind));
        }

        var verifier = new InboundVerifier(_ => key, new ReplayGuard(TimeProvider.System), ProtocolLimits.Default);
        var fingerprintBytes = FingerprintReportCodec.FingerprintBytes(load.FingerprintBody(1, now)).ToArray();
        Console.WriteLine($"verify profile: {messages} messages of the load mix ({wires.Count(w => w.Kind == TopicKind.Fingerprint)} fingerprints of {fingerprintBytes.Length} bytes, {(reference ? "reference" : "small")} schema), {rounds} rounds, "
            + $"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var round = 1; round <= rounds; round++)
        {
            Measure("TryVerify(memory): payload kept, fingerprint validated", messages, () =>
            {
                foreach (var (topic, wire, kind) in wires)
                {
                    Verify(verifier, topic, wire, kind, keep: true);
                }
            });
            Measure("TryVerify(span): payload copied, fingerprint validated", messages, () =>
            {
                foreach (var (topic, wire, kind) in wires)
                {
                    Verify(verifier, topic, wire, kind, keep: false);
                }
            });
            Measure("TryVerify(span) + fingerprint decoded (before + a Validate)", messages, () =>
            {
                foreach (var (topic, wire, kind) in wires)
                {
                    _ = Verify(verifier, topic, wire, kind, keep: false).Fingerprint?.Fingerprint;
                }
            });
            Measure("fingerprint alone: Fingerprint.Validate", 1000, () =>
            {
                for (var i = 0; i < 1000; i++)
                {
                    Fingerprint.Validate(fingerprintBytes);
                }
            });
            Measure("fingerprint alone: Fingerprint.FromBytes (before)", 1000, () =>
            {
                for (var i = 0; i < 1000; i++)
                {
                    Fingerprint.FromBytes(fingerprintBytes);
                }
            });
        }

        return 0;
    }

    private static InboundMessage Verify(InboundVerifier verifier, string topic, byte[] wire, TopicKind kind, bool keep)
    {
        var properties = WireFormat.PropertiesFor(kind);
        InboundMessage? inbound;
        Rejection rejection;
        var ok = keep
            ? verifier.TryVerify(topic, wire.AsMemory(), properties, out inbound, out rejection)
            : verifier.TryVerify(topic, wire.AsSpan(), properties, out inbound, out rejection);
        return ok ? inbound! : throw new InvalidOperationException($"{topic}: {rejection.Reason} {rejection.Message}");
    }

    private static void Measure(string what, int count, Action action)
    {
        var process = Process.GetCurrentProcess();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var gcs = GC.CollectionCount(0);
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        var used = process.TotalProcessorTime - cpu;
        Console.WriteLine($"  {what,-62} CPU {used.TotalMicroseconds / count,7:F1} us/msg  wall {watch.Elapsed.TotalMicroseconds / count,7:F1} us/msg  "
            + $"allocated {(GC.GetAllocatedBytesForCurrentThread() - allocated) / count,8:N0} B/msg  gen0 GCs {GC.CollectionCount(0) - gcs}");
    }
}
