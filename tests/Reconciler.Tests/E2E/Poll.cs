namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Waits for a condition on the real API server (or a child process) by asking again every 100 ms
/// until it holds or a deadline passes; the deadline failure says what was awaited and what was last seen.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        using var timer = new PeriodicTimer(Interval);
        while (!await condition())
        {
            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, $"waited {timeout.TotalSeconds:0}s: {describe()}");
            await timer.WaitForNextTickAsync();
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, describe);
}
