using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The compact binary body of a fingerprint message; reading never throws on bad input.</summary>
/// <remarks>
/// <para>Layout, integers big-endian:</para>
/// <code>
/// 4   magic "ESFR"
/// u8  body version (1)
/// i64 window start, ms since the Unix epoch
/// i64 window end, ms since the Unix epoch (≥ start)
/// u32 window count (≥ 1)
/// u8  model hash length (1..128), model hash (printable ASCII)
/// u32 fingerprint length, fingerprint (Monitor <see cref="Fingerprint.ToBytes"/>: magic, version, SHA-256 checked)
/// </code>
/// </remarks>
public static class FingerprintReportCodec
{
    /// <summary>Version of the body layout.</summary>
    public const byte BodyVersion = 1;

    private static ReadOnlySpan<byte> Magic => "ESFR"u8;

    /// <summary>Writes the binary body of <paramref name="report"/>.</summary>
    public static byte[] Encode(FingerprintReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var fingerprint = report.ReceivedBytes.IsEmpty ? report.Fingerprint.ToBytes() : report.ReceivedBytes.Span;
        var hash = Encoding.ASCII.GetBytes(report.ModelHash);
        var bytes = new byte[4 + 1 + 8 + 8 + 4 + 1 + hash.Length + 4 + fingerprint.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[4] = BodyVersion;
        BinaryPrimitives.WriteInt64BigEndian(span[5..], report.WindowStart.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(span[13..], report.WindowEnd.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt32BigEndian(span[21..], (uint)report.WindowCount);
        span[25] = (byte)hash.Length;
        hash.CopyTo(span[26..]);
        var at = 26 + hash.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)fingerprint.Length);
        fingerprint.CopyTo(span[(at + 4)..]);
        return bytes;
    }

    /// <summary>Reads a fingerprint body under <paramref name="limits"/>, decoding the fingerprint.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, ProtocolLimits limits, [NotNullWhen(true)] out FingerprintReport? report, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return TryDecode(body, default, limits, out report, out rejection);
    }

    /// <summary>
    /// Makes every check of <see cref="TryDecode(ReadOnlySpan{byte}, ProtocolLimits, out FingerprintReport?, out Rejection)"/> (same
    /// accept/reject, same rejection) without building the fingerprint: the report decodes it from <paramref name="body"/>, which
    /// must not change afterwards, when <see cref="FingerprintReport.Fingerprint"/> is first used.
    /// </summary>
    public static bool TryValidate(ReadOnlyMemory<byte> body, ProtocolLimits limits, [NotNullWhen(true)] out FingerprintReport? report, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return TryDecode(body.Span, body, limits, out report, out rejection);
    }

    /// <summary>Decodes <paramref name="body"/>; validates only, keeping the fingerprint bytes of <paramref name="lazy"/> (the same bytes), when that is not empty.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> body, ReadOnlyMemory<byte> lazy, ProtocolLimits limits, [NotNullWhen(true)] out FingerprintReport? report, out Rejection rejection)
    {
        report = null;
        const string what = "fingerprint body";
        if (body.Length > limits.MaxBinaryMessageBytes)
        {
            rejection = new(RejectionReason.Oversized, $"{what}: {body.Length} bytes is larger than {limits.MaxBinaryMessageBytes}");
            return false;
        }

        if (body.Length < 26 || !body[..4].SequenceEqual(Magic))
        {
            rejection = new(RejectionReason.Malformed, body.Length < 26 ? $"{what}: {body.Length} bytes is shorter than the 26-byte header" : $"{what}: does not start with the magic 'ESFR'");
            return false;
        }

        if (body[4] != BodyVersion)
        {
            rejection = new(RejectionReason.UnsupportedVersion, $"{what}: body version {body[4]} (this code reads {BodyVersion})");
            return false;
        }

        var start = BinaryPrimitives.ReadInt64BigEndian(body[5..]);
        var end = BinaryPrimitives.ReadInt64BigEndian(body[13..]);
        var windows = BinaryPrimitives.ReadUInt32BigEndian(body[21..]);
        if (start is < 0 or > Envelope.MaxTimestampMilliseconds || end is < 0 or > Envelope.MaxTimestampMilliseconds || end < start)
        {
            rejection = new(RejectionReason.InvalidField, $"{what}: window {start}..{end} ms is not a valid time range");
            return false;
        }

        if (windows is < 1 or > int.MaxValue)
        {
            rejection = new(RejectionReason.InvalidField, $"{what}: window count {windows} is not in 1..{int.MaxValue}");
            return false;
        }

        int hashLength = body[25];
        if (hashLength is < 1 or > FingerprintReport.MaxModelHashLength || body.Length < 26 + hashLength + 4)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: model hash length {hashLength} is invalid or runs past the end");
            return false;
        }

        var hash = body.Slice(26, hashLength);
        if (hash.ContainsAnyExceptInRange((byte)'!', (byte)'~'))
        {
            rejection = new(RejectionReason.InvalidField, $"{what}: model hash is not printable ASCII");
            return false;
        }

        var at = 26 + hashLength;
        var length = BinaryPrimitives.ReadUInt32BigEndian(body[at..]);
        at += 4;
        if (length != (uint)(body.Length - at))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: fingerprint length {length} does not match the {body.Length - at} bytes that follow");
            return false;
        }

        Fingerprint? fingerprint = null;
        FingerprintOutline outline;
        try
        {
            if (lazy.IsEmpty)
            {
                fingerprint = Fingerprint.FromBytes(body[at..]);
                outline = new FingerprintOutline(fingerprint.Schema, fingerprint.ObservationCount);
            }
            else
            {
                outline = Fingerprint.Validate(body[at..]);
            }
        }
        catch (MonitorFormatException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: fingerprint: {ex.Message}");
            return false;
        }
        catch (ArgumentException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: fingerprint: {ex.Message}");
            return false;
        }
        catch (OverflowException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: fingerprint: {ex.Message}");
            return false;
        }
        catch (InvalidOperationException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: fingerprint: {ex.Message}");
            return false;
        }

        var modelHash = Encoding.ASCII.GetString(hash);
        var windowStart = DateTimeOffset.FromUnixTimeMilliseconds(start);
        var windowEnd = DateTimeOffset.FromUnixTimeMilliseconds(end);
        report = fingerprint is not null
            ? new FingerprintReport(modelHash, windowStart, windowEnd, (int)windows, fingerprint)
            : new FingerprintReport(modelHash, windowStart, windowEnd, (int)windows, outline, lazy[at..]);
        rejection = default;
        return true;
    }

    /// <summary>The Monitor fingerprint bytes (<see cref="Fingerprint.ToBytes"/> form) inside a body <see cref="TryDecode(ReadOnlySpan{byte}, ProtocolLimits, out FingerprintReport?, out Rejection)"/> accepted, as received: a receiver stores them without writing the decoded fingerprint back to bytes.</summary>
    /// <exception cref="ArgumentException">The header is not an ESFR body header or its lengths do not match the body.</exception>
    public static ReadOnlySpan<byte> FingerprintBytes(ReadOnlySpan<byte> body)
    {
        if (body.Length < 26 || !body[..4].SequenceEqual(Magic) || body.Length < 26 + body[25] + 4)
        {
            throw new ArgumentException("Not a fingerprint body: too short or without the magic 'ESFR'.", nameof(body));
        }

        var at = 26 + body[25];
        if (BinaryPrimitives.ReadUInt32BigEndian(body[at..]) != (uint)(body.Length - at - 4))
        {
            throw new ArgumentException($"Not a fingerprint body: the fingerprint length does not match the {body.Length - at - 4} bytes that follow.", nameof(body));
        }

        return body[(at + 4)..];
    }

    /// <summary>Reads the fingerprint report in an envelope of kind fingerprint; validates the fingerprint and decodes it on first use (<see cref="TryValidate"/>).</summary>
    public static bool TryDecode(Envelope envelope, ProtocolLimits limits, [NotNullWhen(true)] out FingerprintReport? report, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Kind != TopicKind.Fingerprint)
        {
            report = null;
            rejection = new(RejectionReason.TopicMismatch, $"a {EdgeTopics.KindLevel(envelope.Kind)} envelope does not hold a fingerprint");
            return false;
        }

        return TryValidate(envelope.PayloadMemory, limits, out report, out rejection);
    }
}
