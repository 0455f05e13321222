using EdgeSentinel.Dashboard.Tests.Support;

namespace EdgeSentinel.Dashboard.Tests;

/// <summary>One aggregator with its fleet and one Chromium for every dashboard test (started once, stopped at the end).</summary>
[CollectionDefinition(Name)]
public sealed class DashboardGroup : ICollectionFixture<DashboardFleet>, ICollectionFixture<Browser>
{
    public const string Name = "dashboard";
}
