namespace EdgeSentinel.Protocol;

/// <summary>Why an inbound message was rejected; counted per reason by receivers.</summary>
/// <remarks>Numeric values are stable and never reused; new reasons are appended.</remarks>
public enum RejectionReason
{
    /// <summary>Not parseable: bad JSON or binary layout, missing or mistyped field, trailing bytes.</summary>
    Malformed = 1,

    /// <summary>The payload (or an embedded blob) is larger than the limit.</summary>
    Oversized = 2,

    /// <summary>JSON nested deeper than the limit.</summary>
    TooDeep = 3,

    /// <summary>A string or field is longer than the limit.</summary>
    FieldTooLong = 4,

    /// <summary>An array has more items than the limit.</summary>
    TooManyItems = 5,

    /// <summary>A field is well-formed but its value is not allowed (unknown alert kind, NaN, negative count, ...).</summary>
    InvalidField = 6,

    /// <summary>The schema version (topic, user property or envelope) is not one this code reads.</summary>
    UnsupportedVersion = 7,

    /// <summary>The content type or encoding does not match the topic's kind.</summary>
    UnsupportedEncoding = 8,

    /// <summary>The topic is not an EdgeSentinel topic or has an invalid fleet/device id.</summary>
    InvalidTopic = 9,

    /// <summary>The envelope names a different fleet, device or kind than the topic it arrived on.</summary>
    TopicMismatch = 10,

    /// <summary>No key is registered for the device (or fleet operator).</summary>
    UnknownDevice = 11,

    /// <summary>The HMAC-SHA256 signature does not match.</summary>
    BadSignature = 12,

    /// <summary>The sequence number is not above the highest already accepted for the device (also QoS 1 redeliveries).</summary>
    Replayed = 13,

    /// <summary>The timestamp is too old or too far in the future for the allowed clock skew.</summary>
    Stale = 14,
}
