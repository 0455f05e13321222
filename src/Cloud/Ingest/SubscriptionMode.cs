namespace EdgeSentinel.Cloud.Ingest;

/// <summary>How the ingest is subscribed.</summary>
public enum SubscriptionMode
{
    /// <summary>Not subscribed (not connected yet).</summary>
    None,

    /// <summary>MQTT 5 shared subscription: instances of the group split the load.</summary>
    Shared,

    /// <summary>Plain subscription: the broker does not offer shared subscriptions (or no group was configured).</summary>
    Plain,
}
