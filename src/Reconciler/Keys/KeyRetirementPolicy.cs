namespace GitOpsSecrets.Keys;

/// <summary>What to do with one key now.</summary>
public enum RetirementAction
{
    /// <summary>Keep it; <see cref="RetirementDecision.Reason"/> says why.</summary>
    Keep,

    /// <summary>Mark it compromised: nothing needs it any more.</summary>
    Retire,

    /// <summary>It was retired long enough ago: delete it.</summary>
    Delete,
}

public sealed record RetirementDecision(RetirementAction Action, string Reason);

/// <summary>
/// Where a key is still needed: documents sealed to it (per fingerprint), from every kind of sealed
/// document the source holds, and the documents that could not be read (they might need any key).
/// SealedSecrets fill it from <c>keys coverage</c>; another document kind adds its users the same way.
/// </summary>
public sealed class KeyUsers
{
    private readonly Dictionary<string, List<string>> _users = new(StringComparer.Ordinal);
    private readonly List<string> _unreadable = [];

    public IReadOnlyList<string> Unreadable => _unreadable;

    /// <summary>Records that <paramref name="document"/> (e.g. "SealedSecret shop/db in apps/db.yaml") needs the key.</summary>
    public void Add(string fingerprint, string document)
    {
        if (!_users.TryGetValue(fingerprint, out var list))
        {
            _users[fingerprint] = list = [];
        }

        list.Add(document);
    }

    public void AddUnreadable(string document) => _unreadable.Add(document);

    public IReadOnlyList<string> Of(string fingerprint) => _users.GetValueOrDefault(fingerprint) ?? [];
}

/// <summary>
/// When a key may be retired (<c>keys retire</c>, <c>keys.retireAfter</c>): only when no document is
/// sealed to it, no document failed to parse, it is not the newest key, and it is older than the grace
/// period; a retired key is deleted once it has been retired for the second grace period.
/// </summary>
public static class KeyRetirementPolicy
{
    public static RetirementDecision Decide(StoredKey key, IReadOnlyList<StoredKey> all, KeyUsers users, TimeSpan grace, TimeSpan deleteAfter, DateTimeOffset now)
    {
        if (users.Unreadable.Count > 0)
        {
            return new(RetirementAction.Keep, $"{users.Unreadable.Count} document(s) could not be read, so the key may still be needed: {string.Join("; ", users.Unreadable.Take(3))}");
        }

        var needed = users.Of(key.Key.Fingerprint);
        if (needed.Count > 0)
        {
            return new(RetirementAction.Keep, $"{needed.Count} document(s) are still sealed to it (reseal them first): {string.Join("; ", needed.Take(5))}");
        }

        if (key.Retired)
        {
            var due = (key.RetiredAt ?? now) + deleteAfter;
            return now >= due
                ? new(RetirementAction.Delete, $"retired since {Format(key.RetiredAt)}, longer than {deleteAfter}")
                : new(RetirementAction.Keep, $"retired since {Format(key.RetiredAt)}; deleted from {Format(due)}");
        }

        var newest = all.Where(k => !k.Retired && k.Key.Certificate is not null).MaxBy(k => k.Key.NotBefore);
        if (newest is null || newest.Key.Fingerprint == key.Key.Fingerprint)
        {
            return new(RetirementAction.Keep, "it is the newest key (the one that seals)");
        }

        var age = now - key.Key.NotBefore;
        if (key.Key.Certificate is null || age < grace)
        {
            return new(RetirementAction.Keep, $"it is younger than the grace period {grace} (created {Format(key.Key.NotBefore)})");
        }

        return new(RetirementAction.Retire, $"no document is sealed to it, it is not the newest, and it is older than {grace}");
    }

    private static string Format(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown time";
}
