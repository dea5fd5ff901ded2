using GitOpsSecrets.Sharing;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>What the access step did (or would do) in one target: one line per object, and whether any failed.</summary>
public sealed record AccessOutcome(IReadOnlyList<string> Lines, int Failures);

/// <summary>
/// After the Secrets of a sync: makes the Roles and RoleBindings of SharedSecrets' access rules and their
/// image pull attachments match the repository in one target, with the Secrets' rules: observed first,
/// changed only where they differ (drift is corrected), pruned only when they are ours, came from under the
/// target's paths and their document did not fail this time.
/// </summary>
public static class SharedAccessStep
{
    /// <param name="copies">The SharedSecret copies planned for this target.</param>
    /// <param name="failed">Copies that could not be made this time: their grants and attachments are left as they are.</param>
    /// <param name="failedPaths">Files with a failed document: nothing that came from them is pruned.</param>
    /// <param name="secretNamespaces">Namespaces holding our Secrets now (where attachments can be).</param>
    public static async Task<AccessOutcome> RunAsync(
        ISharedAccessTarget access,
        SyncTarget target,
        IReadOnlyList<DesiredSecret> copies,
        IReadOnlySet<SecretId> failed,
        IReadOnlySet<string> failedPaths,
        bool prune,
        IReadOnlyDictionary<string, Team> teams,
        IReadOnlyCollection<string> secretNamespaces,
        string revision,
        bool dryRun,
        CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var failures = 0;
        var made = copies.Where(c => !failed.Contains(c.Id)).ToList();
        var desired = made.SelectMany(c => GrantsFor(c, teams, revision)).ToDictionary(g => (g.Namespace, g.Name));
        var kept = copies.Where(c => failed.Contains(c.Id)).SelectMany(c => GrantsFor(c, teams, revision)).Select(g => (g.Namespace, g.Name)).ToHashSet();
        var observed = (await access.ObserveGrantsAsync(cancellationToken)).ToDictionary(g => (g.Namespace, g.Name));
        foreach (var grant in desired.Values.OrderBy(g => g.ToString(), StringComparer.Ordinal))
        {
            var current = observed.GetValueOrDefault((grant.Namespace, grant.Name));
            if (current is not null && IsCurrent(grant, current))
            {
                continue;
            }

            var verb = current is null ? "create" : "update";
            failures += await Do(lines, $"{verb} Role+RoleBinding {grant} ({string.Join(",", grant.Verbs)} for {string.Join(", ", grant.Subjects)})", dryRun, () => access.ApplyGrantAsync(grant, cancellationToken));
        }

        var paths = target.Paths.Select(RepositoryPaths.Normalize).ToList();
        foreach (var stale in observed.Values.Where(o => !desired.ContainsKey((o.Namespace, o.Name)) && !kept.Contains((o.Namespace, o.Name))).OrderBy(o => o.ToString(), StringComparer.Ordinal))
        {
            var sourcePath = stale.Source?.Split('#', 2)[0];
            if (!prune || sourcePath is null || failedPaths.Contains(sourcePath) || !RepositoryPaths.IsUnderAny(sourcePath, paths))
            {
                continue;
            }

            failures += await Do(lines, $"delete Role+RoleBinding {stale}", dryRun, () => access.DeleteGrantAsync(stale, cancellationToken));
        }

        failures += await AttachPullSecretsAsync(access, copies, failed, secretNamespaces, lines, dryRun, cancellationToken);
        return new AccessOutcome(lines, failures);
    }

    /// <summary>The grants of one copy: one per distinct verb set, subjects merged, teams expanded to their users and groups.</summary>
    public static IEnumerable<AccessGrant> GrantsFor(DesiredSecret copy, IReadOnlyDictionary<string, Team> teams, string revision)
    {
        if (copy.Shared is not { } shared)
        {
            return [];
        }

        return shared.Access
            .GroupBy(r => string.Join(",", r.Verbs.Order(StringComparer.Ordinal)), StringComparer.Ordinal)
            .Select(group => new AccessGrant(
                copy.Id.Namespace,
                copy.Id.Name,
                group.First().Verbs.Order(StringComparer.Ordinal).ToList(),
                group.SelectMany(r => Subjects(r, teams)).Distinct().OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList(),
                copy.Source,
                revision));
    }

    private static IEnumerable<RbacSubject> Subjects(AccessRule rule, IReadOnlyDictionary<string, Team> teams) =>
        rule.Users.Select(u => new RbacSubject(RbacSubject.User, u))
            .Concat(rule.Teams.Select(t => teams[t]).SelectMany(t => t.Users.Select(u => new RbacSubject(RbacSubject.User, u)).Concat(t.Groups.Select(g => new RbacSubject(RbacSubject.Group, g)))))
            .Concat(rule.Groups.Select(g => new RbacSubject(RbacSubject.Group, g)))
            .Concat(rule.ServiceAccounts.Select(s => new RbacSubject(RbacSubject.ServiceAccount, s.Name, s.Namespace)));

    private static bool IsCurrent(AccessGrant grant, ObservedGrant observed) =>
        observed.Source == grant.Source
        && observed.Verbs is { } verbs && verbs.Order(StringComparer.Ordinal).SequenceEqual(grant.Verbs, StringComparer.Ordinal)
        && observed.ResourceNames is [var only] && only == grant.SecretName
        && observed.Subjects is { } subjects && subjects.ToHashSet().SetEquals(grant.Subjects);

    /// <summary>
    /// Per ServiceAccount, the pull secrets our field manager must own: those of the SharedSecrets with
    /// <c>spec.imagePull</c> landing in its namespace that name it (or <c>*</c>). Only where that differs from
    /// what it owns now is the ServiceAccount applied; a named one that does not exist is reported, never made.
    /// </summary>
    private static async Task<int> AttachPullSecretsAsync(ISharedAccessTarget access, IReadOnlyList<DesiredSecret> copies, IReadOnlySet<SecretId> failed, IReadOnlyCollection<string> secretNamespaces, List<string> lines, bool dryRun, CancellationToken cancellationToken)
    {
        var pulling = copies.Where(c => c.Shared?.ImagePull is not null).ToList();
        var namespaces = pulling.Select(c => c.Id.Namespace).Concat(secretNamespaces).ToHashSet(StringComparer.Ordinal);
        if (namespaces.Count == 0)
        {
            return 0;
        }

        var failures = 0;
        var accounts = await access.ObserveServiceAccountsAsync(namespaces, cancellationToken);
        foreach (var copy in pulling.Where(c => !failed.Contains(c.Id)))
        {
            foreach (var missing in copy.Shared!.ImagePull!.ServiceAccounts.Where(n => n != ImagePull.AllServiceAccounts && !accounts.Any(a => a.Namespace == copy.Id.Namespace && a.Name == n)))
            {
                lines.Add($"note: ServiceAccount {copy.Id.Namespace}/{missing} does not exist; {copy.Id.Name} is attached to it once it does");
            }
        }

        foreach (var account in accounts.OrderBy(a => a.Namespace, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal))
        {
            var wanted = pulling.Where(c => c.Id.Namespace == account.Namespace && c.Shared!.ImagePull!.AppliesTo(account.Name))
                .Where(c => !failed.Contains(c.Id) || account.OurPullSecrets.Contains(c.Id.Name, StringComparer.Ordinal))
                .Select(c => c.Id.Name)
                .Concat(account.OurPullSecrets.Where(name => failed.Contains(new SecretId(account.Namespace, name))))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            // Done when every wanted name is listed (ours, or someone else's entry of the same name, which is
            // left theirs) and nothing of ours is listed that is no longer wanted.
            if (wanted.All(n => account.PullSecrets.Contains(n, StringComparer.Ordinal)) && account.OurPullSecrets.All(n => wanted.Contains(n, StringComparer.Ordinal)))
            {
                continue;
            }

            failures += await Do(lines, $"set imagePullSecrets of ServiceAccount {account.Namespace}/{account.Name} (ours: [{string.Join(", ", wanted)}], was [{string.Join(", ", account.OurPullSecrets)}])", dryRun, () => access.SetPullSecretsAsync(account, wanted, cancellationToken));
        }

        return failures;
    }

    private static async Task<int> Do(List<string> lines, string what, bool dryRun, Func<Task> action)
    {
        if (dryRun)
        {
            lines.Add($"would {what}");
            return 0;
        }

        try
        {
            await action();
            lines.Add(what);
            return 0;
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            lines.Add($"failed: {what}: {e.Message}");
            return 1;
        }
    }
}
