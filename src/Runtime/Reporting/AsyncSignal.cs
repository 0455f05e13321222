namespace EdgeSentinel.Runtime.Reporting;

/// <summary>An auto-reset wake-up for one waiter: <see cref="Set"/> from any thread, <see cref="WaitAsync"/> returns when set or after a timeout on the given clock.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _source).TrySetResult();

    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var source = Volatile.Read(ref _source);
        if (!source.Task.IsCompleted)
        {
            using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, delayCancellation.Token);
            await Task.WhenAny(source.Task, delay).ConfigureAwait(false);
            await delayCancellation.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (source.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), source);
        }
    }
}
