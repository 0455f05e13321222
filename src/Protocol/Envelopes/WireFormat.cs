using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>Constants of the wire contract: schema version, MQTT 5 content types and user properties.</summary>
/// <remarks>
/// Alerts, status and commands travel as a JSON envelope (<see cref="ContentTypeJson"/>), fingerprints
/// as a binary envelope (<see cref="ContentTypeBinary"/>). Publishers set the content type and the
/// user properties <see cref="VersionProperty"/> = "1" and <see cref="EncodingProperty"/> = "json" or
/// "binary"; receivers check them when present (brokers and bridges may strip them).
/// </remarks>
public static class WireFormat
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>MQTT 5 content type of JSON envelopes (alert, status, cmd).</summary>
    public const string ContentTypeJson = "application/vnd.edgesentinel.v1+json";

    /// <summary>MQTT 5 content type of binary envelopes (fingerprint).</summary>
    public const string ContentTypeBinary = "application/vnd.edgesentinel.v1+binary";

    /// <summary>User property naming the schema version ("1").</summary>
    public const string VersionProperty = "es-version";

    /// <summary>User property naming the encoding ("json" or "binary").</summary>
    public const string EncodingProperty = "es-encoding";

    /// <summary>Value of <see cref="EncodingProperty"/> for JSON envelopes.</summary>
    public const string EncodingJson = "json";

    /// <summary>Value of <see cref="EncodingProperty"/> for binary envelopes.</summary>
    public const string EncodingBinary = "binary";

    /// <summary>True when messages of <paramref name="kind"/> use the binary envelope (fingerprints); false for JSON.</summary>
    public static bool IsBinary(TopicKind kind) => kind == TopicKind.Fingerprint;

    /// <summary>The content type, version and encoding a publisher sets for a message of <paramref name="kind"/>.</summary>
    public static MessageProperties PropertiesFor(TopicKind kind) => IsBinary(kind)
        ? new MessageProperties(ContentTypeBinary, "1", EncodingBinary)
        : new MessageProperties(ContentTypeJson, "1", EncodingJson);
}

/// <summary>The MQTT 5 metadata of a message that the codec checks: content type and the version/encoding user properties (null when absent).</summary>
public readonly record struct MessageProperties(string? ContentType, string? SchemaVersion, string? Encoding);
