namespace GitOpsSecrets.Sync;

/// <summary>
/// One access rule of the SharedSecret a Secret comes from, as the status shows it: the verbs and the
/// subjects' names (service accounts as <c>namespace/name</c>). Names only, never a value.
/// </summary>
public sealed record SharedAccessSummary(IReadOnlyList<string> Verbs, IReadOnlyList<string> Users, IReadOnlyList<string> Groups, IReadOnlyList<string> Teams, IReadOnlyList<string> ServiceAccounts)
{
    /// <summary>The access of a SharedSecret's copy; null for a plain SealedSecret, so the status can tell "shared with nobody" ([]) from "not shared".</summary>
    public static IReadOnlyList<SharedAccessSummary>? Of(DesiredSecret desired) =>
        desired.Shared?.Access
            .Select(r => new SharedAccessSummary(r.Verbs, r.Users, r.Groups, r.Teams, r.ServiceAccounts.Select(a => a.ToString()).ToList()))
            .ToList();
}
