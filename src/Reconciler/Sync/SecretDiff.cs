using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>
/// What a write changes, by name only: keys added, removed and changed; type; labels and annotations.
/// Built from hashes, so it never holds a value and can be printed anywhere.
/// </summary>
public sealed record SecretDiff(
    IReadOnlyList<string> KeysAdded,
    IReadOnlyList<string> KeysRemoved,
    IReadOnlyList<string> KeysChanged,
    string? TypeBefore,
    string? TypeAfter,
    IReadOnlyList<string> LabelsChanged,
    IReadOnlyList<string> AnnotationsChanged)
{
    public bool IsEmpty => KeysAdded.Count + KeysRemoved.Count + KeysChanged.Count + LabelsChanged.Count + AnnotationsChanged.Count == 0 && TypeBefore == TypeAfter;

    public bool DataChanged => KeysAdded.Count + KeysRemoved.Count + KeysChanged.Count > 0;

    public static SecretDiff ForCreate(Secret secret) => new(
        secret.Data.Keys.ToList(), [], [], null, secret.Type, secret.Metadata.Labels.Keys.ToList(), secret.Metadata.Annotations.Keys.ToList());

    public static SecretDiff ForDelete(ObservedSecret observed) => new(
        [], observed.KeyHashes.Keys.Order(StringComparer.Ordinal).ToList(), [], observed.Type, null, [], []);

    /// <summary>The difference between what the target holds and the Secret we would write.</summary>
    public static SecretDiff Between(ObservedSecret observed, Secret desired)
    {
        var desiredHashes = SecretHashes.KeyHashes(desired.Data);
        return new SecretDiff(
            desiredHashes.Keys.Where(k => !observed.KeyHashes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList(),
            observed.KeyHashes.Keys.Where(k => !desiredHashes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList(),
            desiredHashes.Where(p => observed.KeyHashes.TryGetValue(p.Key, out var before) && before != p.Value).Select(p => p.Key).Order(StringComparer.Ordinal).ToList(),
            observed.Type,
            desired.Type,
            ChangedEntries(observed.Labels, desired.Metadata.Labels),
            ChangedEntries(observed.Annotations, desired.Metadata.Annotations));
    }

    /// <summary>
    /// Entries we set that the target lacks or holds with another value. Entries others added are
    /// theirs (server-side apply leaves them alone), so they are not a difference.
    /// </summary>
    public static IReadOnlyList<string> ChangedEntries(IReadOnlyDictionary<string, string> observed, IReadOnlyDictionary<string, string> desired) =>
        desired.Where(p => !ManagedMetadata.IsOurs(p.Key) && (!observed.TryGetValue(p.Key, out var value) || value != p.Value))
            .Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>One line: <c>keys +a -b ~c; type X→Y; labels ~l; annotations ~a</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        var keys = KeysAdded.Select(k => "+" + k).Concat(KeysRemoved.Select(k => "-" + k)).Concat(KeysChanged.Select(k => "~" + k)).ToList();
        if (keys.Count > 0)
        {
            parts.Add("keys " + string.Join(' ', keys));
        }

        if (TypeBefore != TypeAfter)
        {
            parts.Add(TypeBefore is null || TypeAfter is null ? $"type {TypeBefore ?? TypeAfter}" : $"type {TypeBefore}→{TypeAfter}");
        }

        if (LabelsChanged.Count > 0)
        {
            parts.Add("labels ~" + string.Join(" ~", LabelsChanged));
        }

        if (AnnotationsChanged.Count > 0)
        {
            parts.Add("annotations ~" + string.Join(" ~", AnnotationsChanged));
        }

        return parts.Count == 0 ? "no change" : string.Join("; ", parts);
    }
}
