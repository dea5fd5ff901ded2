namespace GitOpsSecrets.Worker.Scheduling;

/// <summary>What the renewal check decided: make a key now, and when to look again (null: never).</summary>
public sealed record RenewalDecision(bool RenewNow, DateTimeOffset? NextCheck, string Reason);

/// <summary>
/// When a new sealing key is due. The clock is the newest key's age (its certificate's NotBefore), not
/// the process's uptime, so a restart neither resets nor repeats a renewal: the first renewal after a
/// start is at <c>period − age of the newest key</c>, immediately when that is already past.
/// </summary>
public static class KeyRenewalPolicy
{
    public static RenewalDecision Decide(DateTimeOffset? newestNotBefore, TimeSpan period, DateTimeOffset? cutoff, DateTimeOffset now)
    {
        if (newestNotBefore is not { } newest)
        {
            return new RenewalDecision(true, null, "there is no sealing key yet");
        }

        // A cutoff in the future is ignored: every key made now would be "before" it, and each check
        // would make another one.
        if (cutoff is { } limit && limit <= now && newest < limit)
        {
            return new RenewalDecision(true, null, $"the newest key was made before the cutoff time {limit:O}");
        }

        if (period <= TimeSpan.Zero)
        {
            return new RenewalDecision(false, null, "key renewal is disabled (period 0)");
        }

        var due = newest + period;
        return due <= now
            ? new RenewalDecision(true, null, $"the newest key is older than the renewal period {Configuration.Durations.Format(period)}")
            : new RenewalDecision(false, due, $"the next key is due at {due:O}");
    }
}
