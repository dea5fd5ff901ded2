using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Restarts;

/// <summary>A workload to roll, the hash to set, and the changed Secrets that made it necessary.</summary>
public sealed record Rollout(Workload Workload, string Hash, IReadOnlyList<string> Secrets)
{
    public WorkloadId Id => Workload.Id;
}

/// <summary>
/// Decides which opted-in workloads to roll after a sync and with which hash, from the Secrets' key
/// hashes before and after it. A workload is rolled when the hash of the data it uses now differs from
/// the one on its pod template, or, before it was ever rolled by us, from the hash of the data it used
/// before this sync. So a change to a key it does not use rolls nothing, a replay or a second replica
/// finds the hash already set, and many Secrets changed at once give one rollout.
/// </summary>
public static class RestartPlanner
{
    public static IReadOnlyList<Rollout> Plan(IEnumerable<Workload> workloads, SecretStates states)
    {
        var rollouts = new List<Rollout>();
        foreach (var workload in workloads)
        {
            if (Plan(workload, states) is { } rollout)
            {
                rollouts.Add(rollout);
            }
        }

        return rollouts;
    }

    public static Rollout? Plan(Workload workload, SecretStates states)
    {
        if (OptInNames(workload.OptIn) is not { } optIn)
        {
            return null;
        }

        var uses = UsedSecrets(workload, optIn, id => states.IsManaged(id));
        if (uses.Count == 0)
        {
            return null;
        }

        var ns = workload.Id.Namespace;
        var after = UsedDataHash.Compute(uses, name => states.After(new SecretId(ns, name)));
        if (workload.AppliedHash == after)
        {
            return null;
        }

        var changed = uses.Keys
            .Where(name => UsedDataHash.Compute(Only(uses, name), n => states.Before(new SecretId(ns, n))) != UsedDataHash.Compute(Only(uses, name), n => states.After(new SecretId(ns, n))))
            .Order(StringComparer.Ordinal)
            .ToList();

        // A Secret that appeared or disappeared is no reason to restart (as Reloader by default): pods
        // waiting for a missing Secret start by themselves once it exists, and new pods could not start
        // without one that was deleted. The hash is set with the next real change.
        if (changed.Any(name => states.Before(new SecretId(ns, name)) is null || states.After(new SecretId(ns, name)) is null))
        {
            return null;
        }

        if (workload.AppliedHash is null && changed.Count == 0)
        {
            // Never rolled by us, and what it uses did not change: its pods already hold this data.
            return null;
        }

        return new Rollout(workload, after, changed);
    }

    /// <summary>
    /// The opt-in annotation: <c>"true"</c> → every Secret (empty set); a comma list → those names; anything
    /// else (absent, <c>"false"</c>, empty) → not opted in (null).
    /// </summary>
    public static IReadOnlySet<string>? OptInNames(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var names = trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        return names.Count == 0 || (names.Count == 1 && names.Contains("false")) ? null : names;
    }

    /// <summary>
    /// Secret name → keys used (null: the whole Secret), for the Secrets we manage that the opt-in covers.
    /// A name in the opt-in list that the pod template does not reference counts as a whole-Secret use
    /// (as Stakater Reloader's list does: the pods may read it another way, e.g. through the API).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>?> UsedSecrets(Workload workload, IReadOnlySet<string> optIn, Func<SecretId, bool> managed)
    {
        var result = new Dictionary<string, IReadOnlySet<string>?>(StringComparer.Ordinal);
        var listed = optIn.Count > 0;
        var uses = workload.Uses.Concat(optIn.Where(name => workload.Uses.All(u => u.SecretName != name)).Select(SecretUse.Whole));
        foreach (var use in uses)
        {
            if ((listed && !optIn.Contains(use.SecretName)) || !managed(new SecretId(workload.Id.Namespace, use.SecretName)))
            {
                continue;
            }

            if (!result.TryGetValue(use.SecretName, out var keys))
            {
                result[use.SecretName] = use.Keys is null ? null : new HashSet<string>(use.Keys, StringComparer.Ordinal);
            }
            else if (keys is not null)
            {
                result[use.SecretName] = use.Keys is null ? null : keys.Union(use.Keys).ToHashSet(StringComparer.Ordinal);
            }
        }

        return result;
    }

    private static Dictionary<string, IReadOnlySet<string>?> Only(IReadOnlyDictionary<string, IReadOnlySet<string>?> uses, string name) =>
        new(StringComparer.Ordinal) { [name] = uses[name] };
}
