namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>Simulated time of a stream: frame k happens at the mission epoch + k × the frame period (alert cooldowns then count in frames, independent of the machine).</summary>
internal sealed class FrameClock(TimeSpan framePeriod) : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _frame;

    public void SetFrame(long frame) => _frame = frame;

    public override DateTimeOffset GetUtcNow() => Epoch + (framePeriod * _frame);
}
