namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>Waits for a condition with a deadline (no fixed sleeps).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}
