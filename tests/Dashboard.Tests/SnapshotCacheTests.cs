using EdgeSentinel.Cloud.Dashboard;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Dashboard.Tests;

public sealed class SnapshotCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));
    private int _computations;

    private Task<int> Compute() => Task.FromResult(Interlocked.Increment(ref _computations));

    [Fact]
    public async Task GetAsync_NoChange_ComputesOncePerKey()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        Assert.Equal(1, await cache.GetAsync("a", Compute, default));
        Assert.Equal(1, await cache.GetAsync("a", Compute, default));
        Assert.Equal(2, await cache.GetAsync("b", Compute, default));
        Assert.Equal(2, _computations);
    }

    [Fact]
    public async Task GetAsync_AfterInvalidate_Recomputes()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        await cache.GetAsync("a", Compute, default);
        cache.Invalidate();
        Assert.Equal(2, await cache.GetAsync("a", Compute, default));
        Assert.Equal(2, await cache.GetAsync("a", Compute, default));
    }

    [Fact]
    public async Task GetAsync_MaxAgeReached_Recomputes()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        await cache.GetAsync("a", Compute, default);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(1, await cache.GetAsync("a", Compute, default));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await cache.GetAsync("a", Compute, default));
    }

    [Fact]
    public async Task GetAsync_ZeroMaxAge_NeverReuses()
    {
        var cache = new SnapshotCache<int>(TimeSpan.Zero, _time);
        await cache.GetAsync("a", Compute, default);
        Assert.Equal(2, await cache.GetAsync("a", Compute, default));
    }

    [Fact]
    public async Task GetAsync_ComputationFailed_NotReused()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("a", () => Task.FromException<int>(new InvalidOperationException("store down")), default));
        Assert.Equal(1, await cache.GetAsync("a", Compute, default));
    }

    [Fact]
    public async Task GetAsync_ConcurrentRequestsWhileComputing_ShareOneComputation()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = cache.GetAsync("a", () => { Interlocked.Increment(ref _computations); return gate.Task; }, default);
        var second = cache.GetAsync("a", Compute, default);
        gate.SetResult(42);
        var results = await Task.WhenAll(first, second);
        Assert.Equal(new[] { 42, 42 }, results);
        Assert.Equal(1, _computations);
    }

    [Fact]
    public async Task GetAsync_InvalidatedDuringComputation_NextRequestRecomputes()
    {
        var cache = new SnapshotCache<int>(TimeSpan.FromSeconds(2), _time);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = cache.GetAsync("a", () => gate.Task, default);
        cache.Invalidate(); // a change stored while the old snapshot was being read
        gate.SetResult(7);
        Assert.Equal(7, await first);
        Assert.Equal(1, await cache.GetAsync("a", Compute, default));
    }
}
