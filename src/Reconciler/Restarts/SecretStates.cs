using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Restarts;

/// <summary>
/// The Secrets we manage in one target before and after a sync, as key name → hash of the value
/// (<see cref="SecretHashes.KeyHash"/>): enough to tell exactly which keys changed without holding a value.
/// </summary>
public sealed class SecretStates
{
    private readonly IReadOnlyDictionary<SecretId, IReadOnlyDictionary<string, string>> _before;
    private readonly IReadOnlyDictionary<SecretId, IReadOnlyDictionary<string, string>> _after;

    public SecretStates(IReadOnlyDictionary<SecretId, IReadOnlyDictionary<string, string>> before, IReadOnlyDictionary<SecretId, IReadOnlyDictionary<string, string>> after)
    {
        _before = before;
        _after = after;
        Changed = before.Keys.Concat(after.Keys).Distinct()
            .Where(id => !SameKeys(before.GetValueOrDefault(id), after.GetValueOrDefault(id)))
            .ToHashSet();
    }

    /// <summary>Secrets whose data differs between before and after (created, updated, deleted).</summary>
    public IReadOnlySet<SecretId> Changed { get; }

    /// <summary>Namespaces holding a managed Secret before or after.</summary>
    public IEnumerable<string> Namespaces => _before.Keys.Concat(_after.Keys).Select(id => id.Namespace).Distinct(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string>? Before(SecretId id) => _before.GetValueOrDefault(id);

    public IReadOnlyDictionary<string, string>? After(SecretId id) => _after.GetValueOrDefault(id);

    public bool IsManaged(SecretId id) => _before.ContainsKey(id) || _after.ContainsKey(id);

    private static bool SameKeys(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        a is not null && b is not null && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
