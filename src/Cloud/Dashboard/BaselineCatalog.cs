using System.Collections.Concurrent;
using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>Baselines the aggregator knows, by the SHA-256 of their model, so the dashboard can draw a channel's baseline band.</summary>
/// <remarks>Thread-safe. Devices never send baselines: whoever runs the aggregator registers the baselines of the models the fleet runs.</remarks>
public sealed class BaselineCatalog
{
    private readonly ConcurrentDictionary<string, Baseline> _byModel = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model hashes with a registered baseline.</summary>
    public IReadOnlyCollection<string> ModelHashes => _byModel.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Registers (or replaces) the baseline of its model.</summary>
    public void Register(Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        _byModel[baseline.Model.Sha256] = baseline;
    }

    /// <summary>The baseline of a model, or null when none is registered.</summary>
    public Baseline? Find(string modelHash)
    {
        ArgumentNullException.ThrowIfNull(modelHash);
        return _byModel.GetValueOrDefault(modelHash);
    }
}
