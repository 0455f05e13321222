using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Protocol.Tests.Receiving;

public sealed class ReplayGuardTests
{
    private static Envelope Alert(long sequence) => Envelope.Seal(Wire.DeviceKey, Wire.Address(TopicKind.Alert), sequence, Wire.Now, "{}"u8);

    [Fact]
    public void Seed_RestoresTheFloorLoadedFromAStore()
    {
        var guard = new ReplayGuard(new FakeTimeProvider(Wire.Now));
        guard.Seed(Wire.Fleet, Wire.Device, highestSequence: 40);

        Assert.False(guard.TryCheck(Alert(40), null, out var rejection));
        Assert.Equal(RejectionReason.Replayed, rejection.Reason);
        Assert.True(guard.TryAccept(Alert(41), null, out _));
        Assert.Equal(41, guard.HighestSequence(Wire.Fleet, Wire.Device));
        Assert.Equal(0, guard.HighestSequence(Wire.Fleet, "other"));
    }

    [Fact]
    public void Devices_AreIndependent()
    {
        var guard = new ReplayGuard(new FakeTimeProvider(Wire.Now));
        Assert.True(guard.TryAccept(Alert(10), null, out _));
        var other = Envelope.Seal(Wire.DeviceKey, Wire.Address(TopicKind.Alert, "dev-8"), 1, Wire.Now, "{}"u8);
        Assert.True(guard.TryAccept(other, null, out _));
    }

    [Fact]
    public void IsWill_OnlyForOfflineStatusWhoseSessionIsItsOwnSequence()
    {
        var status = Envelope.Seal(Wire.DeviceKey, Wire.Address(TopicKind.Status), 9, Wire.Now, "{}"u8);
        Assert.True(ReplayGuard.IsWill(status, new StatusReport(DeviceState.Offline, 9, 0, 0, 0, 0)));
        Assert.False(ReplayGuard.IsWill(status, new StatusReport(DeviceState.Offline, 8, 0, 0, 0, 0)));
        Assert.False(ReplayGuard.IsWill(status, new StatusReport(DeviceState.Online, 9, 0, 0, 0, 0)));
        Assert.False(ReplayGuard.IsWill(Alert(9), new StatusReport(DeviceState.Offline, 9, 0, 0, 0, 0)));
    }

    [Fact]
    public void Options_Invalid_AllProblemsListed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ReplayGuard(TimeProvider.System, new ReplayGuardOptions { MaxClockSkew = TimeSpan.FromSeconds(-1), MaxAge = TimeSpan.Zero }));
        Assert.Contains("MaxClockSkew", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAge", ex.Message, StringComparison.Ordinal);

        var limits = new ProtocolLimits { MaxJsonDepth = 2, MaxArrayItems = 1, MaxStringBytes = 1, MaxJsonMessageBytes = 10, MaxBinaryMessageBytes = 10 };
        Assert.Equal(5, limits.Validate().Count);
    }
}
