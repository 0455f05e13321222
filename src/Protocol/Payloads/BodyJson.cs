using System.Buffers;
using System.Text.Json;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>Shared plumbing of the JSON body codecs: writing to bytes, guarded parsing.</summary>
internal static class BodyJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Checks the body with <see cref="Envelopes.JsonGuard"/> and parses it; the body must be an object. Bodies nest one level less than in the envelope.</summary>
    public static JsonDocument? TryParse(ReadOnlySpan<byte> body, ProtocolLimits limits, string what, out Rejection rejection)
    {
        var bodyLimits = new ProtocolLimits
        {
            MaxJsonMessageBytes = limits.MaxJsonMessageBytes,
            MaxJsonDepth = limits.MaxJsonDepth - 1,
            MaxStringBytes = limits.MaxStringBytes,
            MaxArrayItems = limits.MaxArrayItems,
        };
        if (body.Length > limits.MaxJsonMessageBytes)
        {
            rejection = new(RejectionReason.Oversized, $"{what}: {body.Length} bytes is larger than {limits.MaxJsonMessageBytes}");
            return null;
        }

        if (!Envelopes.JsonGuard.TryCheck(body, bodyLimits, what, out rejection))
        {
            return null;
        }

        var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth + 1 });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: is a JSON {document.RootElement.ValueKind}, not an object");
            document.Dispose();
            return null;
        }

        rejection = default;
        return document;
    }
}
