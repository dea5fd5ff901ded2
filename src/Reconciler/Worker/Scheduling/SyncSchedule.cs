namespace GitOpsSecrets.Worker.Scheduling;

/// <summary>
/// When the next sync runs: the interval after the previous run <em>finished</em>, plus a random share of
/// the interval (up to the jitter fraction) so that many workers started together do not fetch from
/// the git server in lockstep. Measuring from completion is what keeps an overrunning run from being
/// followed by a burst of catch-up runs.
/// </summary>
public sealed class SyncSchedule
{
    private readonly Func<double> _random;

    public SyncSchedule(TimeSpan interval, double jitter, Func<double>? random = null)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "the sync interval must be positive");
        }

        Interval = interval;
        Jitter = double.IsFinite(jitter) ? Math.Clamp(jitter, 0, 1) : 0;
        _random = random ?? Random.Shared.NextDouble;
    }

    public TimeSpan Interval { get; }

    /// <summary>The fraction of the interval that may be added at random, 0 to 1.</summary>
    public double Jitter { get; }

    public DateTimeOffset NextAfter(DateTimeOffset completedAt)
    {
        var share = Math.Clamp(_random(), 0, 1);
        return completedAt + Interval + TimeSpan.FromTicks((long)(Interval.Ticks * Jitter * share));
    }
}
