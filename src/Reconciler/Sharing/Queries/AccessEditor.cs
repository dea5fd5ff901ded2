namespace GitOpsSecrets.Sharing;

/// <summary>The subjects one <c>shared access add|remove</c> names: who, and for which verbs.</summary>
public sealed record AccessChange(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Teams,
    IReadOnlyList<string> Groups,
    IReadOnlyList<ServiceAccountRef> ServiceAccounts)
{
    public bool NamesNoSubject => Users.Count + Teams.Count + Groups.Count + ServiceAccounts.Count == 0;
}

/// <summary>
/// Edits <c>spec.access</c>: adding gives the subjects the verbs (in a rule of exactly those verbs,
/// created if none exists); removing takes the verbs (all of them without <c>--verbs</c>) from the
/// subjects in every rule, splitting a rule when a subject keeps some of its verbs, and drops rules
/// that name nobody. The result is what a reviewer expects in the diff: the smallest change.
/// </summary>
public static class AccessEditor
{
    public static IReadOnlyList<AccessRule> Add(IReadOnlyList<AccessRule> rules, AccessChange change)
    {
        var verbs = Normalize(change.Verbs);
        var result = rules.ToList();
        var index = result.FindIndex(r => Normalize(r.Verbs).SequenceEqual(verbs, StringComparer.Ordinal));
        var existing = index >= 0 ? result[index] : new AccessRule { Verbs = verbs };
        var merged = new AccessRule
        {
            Verbs = existing.Verbs,
            Users = Union(existing.Users, change.Users),
            Teams = Union(existing.Teams, change.Teams),
            Groups = Union(existing.Groups, change.Groups),
            ServiceAccounts = [.. existing.ServiceAccounts.Concat(change.ServiceAccounts).Distinct()],
        };
        if (index >= 0)
        {
            result[index] = merged;
        }
        else
        {
            result.Add(merged);
        }

        return result;
    }

    public static IReadOnlyList<AccessRule> Remove(IReadOnlyList<AccessRule> rules, AccessChange change)
    {
        var removed = change.Verbs.Count == 0 ? null : new HashSet<string>(change.Verbs, StringComparer.Ordinal);
        var result = new List<AccessRule>();
        var keptGrants = new List<AccessChange>();
        foreach (var rule in rules)
        {
            if (removed is not null && !rule.Verbs.Any(removed.Contains))
            {
                result.Add(rule);
                continue;
            }

            var kept = removed is null ? [] : rule.Verbs.Where(v => !removed.Contains(v)).ToList();
            var stripped = Without(rule, change);
            if (!stripped.NamesNoSubject)
            {
                result.Add(stripped);
            }

            // A subject that keeps some of this rule's verbs gets them back, after every rule is stripped,
            // so they join an existing rule of exactly those verbs wherever it is in the list.
            var keeps = Only(rule, change, kept);
            if (kept.Count > 0 && !keeps.NamesNoSubject)
            {
                keptGrants.Add(new AccessChange(kept, keeps.Users, keeps.Teams, keeps.Groups, keeps.ServiceAccounts));
            }
        }

        IReadOnlyList<AccessRule> edited = result;
        foreach (var grant in keptGrants)
        {
            edited = Add(edited, grant);
        }

        return edited;
    }

    /// <summary>Verbs in the order the schema lists them, once each.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> verbs)
    {
        var set = verbs.ToHashSet(StringComparer.Ordinal);
        return [.. AccessRule.AllowedVerbs.Where(set.Contains)];
    }

    private static AccessRule Without(AccessRule rule, AccessChange change) => new()
    {
        Verbs = rule.Verbs,
        Users = [.. rule.Users.Except(change.Users, StringComparer.Ordinal)],
        Teams = [.. rule.Teams.Except(change.Teams, StringComparer.Ordinal)],
        Groups = [.. rule.Groups.Except(change.Groups, StringComparer.Ordinal)],
        ServiceAccounts = [.. rule.ServiceAccounts.Except(change.ServiceAccounts)],
    };

    /// <summary>The subjects of the change that this rule names, with the verbs they keep.</summary>
    private static AccessRule Only(AccessRule rule, AccessChange change, IReadOnlyList<string> verbs) => new()
    {
        Verbs = verbs,
        Users = [.. rule.Users.Intersect(change.Users, StringComparer.Ordinal)],
        Teams = [.. rule.Teams.Intersect(change.Teams, StringComparer.Ordinal)],
        Groups = [.. rule.Groups.Intersect(change.Groups, StringComparer.Ordinal)],
        ServiceAccounts = [.. rule.ServiceAccounts.Intersect(change.ServiceAccounts)],
    };

    private static List<string> Union(IEnumerable<string> first, IEnumerable<string> second) =>
        [.. first.Concat(second).Distinct(StringComparer.Ordinal)];
}
