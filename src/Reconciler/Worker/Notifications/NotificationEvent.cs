namespace GitOpsSecrets.Worker.Notifications;

/// <summary>What changed for a target. Each is sent once per change, never repeated while nothing changes.</summary>
public enum NotificationKind
{
    /// <summary>A new revision was fetched and is being applied (commit statuses only).</summary>
    Pending,

    /// <summary>A new revision was applied without failures.</summary>
    Applied,

    /// <summary>The first failed sync after success, or the first failure of a new revision.</summary>
    Failed,

    /// <summary>The first sync without failures after a failed one.</summary>
    Recovered,
}

/// <summary>
/// One state change of one target: names, a revision, counts and one-line reasons. Built from a
/// <see cref="Sync.SyncReport"/>, which never holds a Secret's value, so neither does this.
/// </summary>
public sealed record NotificationEvent(
    NotificationKind Kind,
    string Target,
    string? Revision,
    string? Commit,
    NotificationCounts Counts,
    IReadOnlyList<string> Errors,
    DateTimeOffset At)
{
    /// <summary>The commit-status word: pending, success or failure.</summary>
    public string State => Kind switch
    {
        NotificationKind.Pending => "pending",
        NotificationKind.Failed => "failure",
        _ => "success",
    };

    public string EventName => Kind.ToString().ToLowerInvariant();

    /// <summary>One line for a chat message or a commit status description.</summary>
    public string Summary => Kind switch
    {
        NotificationKind.Pending => $"applying {Revision}",
        NotificationKind.Failed => $"{(Revision is null ? "failed before a revision was fetched" : $"failed at {Revision}")}: {(Errors.Count > 0 ? Errors[0] : $"{Counts.Failed} Secret(s) failed")}",
        NotificationKind.Recovered => $"recovered: applied {Revision} ({Counts})",
        _ => $"applied {Revision} ({Counts})",
    };
}

/// <summary>How many Secrets a sync created, updated, deleted, left unchanged or failed for one target.</summary>
public sealed record NotificationCounts(int Created, int Updated, int Deleted, int Unchanged, int Failed)
{
    public override string ToString() => $"{Created} created, {Updated} updated, {Deleted} deleted, {Failed} failed";
}
