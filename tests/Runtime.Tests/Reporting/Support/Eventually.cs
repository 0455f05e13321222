using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Reporting.Support;

/// <summary>Waits for a condition with a real-time deadline, optionally advancing a fake clock between checks (so backoff delays elapse).</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, FakeTimeProvider? time = null, TimeSpan? step = null, double deadlineSeconds = 30, Func<bool>? advanceWhile = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > deadlineSeconds)
            {
                throw new TimeoutException($"Not reached within {deadlineSeconds} s: {what}");
            }

            if (time is not null && (advanceWhile is null || advanceWhile()))
            {
                time.Advance(step ?? TimeSpan.FromMilliseconds(250));
            }

            await Task.Delay(5);
        }
    }
}
