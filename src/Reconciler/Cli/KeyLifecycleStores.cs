using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Cli;

/// <summary>What <c>keys retire</c> and <c>keys compromised</c> share: the store, the key by fingerprint, and who still needs it.</summary>
internal static class KeyLifecycleStores
{
    public static IKeyLifecycleStore Open(IKeyStoreFactory factory, KeysConfiguration configuration) =>
        factory.Create(configuration) as IKeyLifecycleStore
        ?? throw new InputException("retiring keys needs the cluster key store (--keys cluster[:NAMESPACE]); in a key directory, delete the key's files once keys coverage shows no SealedSecret sealed to it");

    /// <summary>The one key whose fingerprint starts with <paramref name="fingerprint"/> (at least 8 hex digits).</summary>
    public static StoredKey Find(IReadOnlyList<StoredKey> keys, string fingerprint, string store)
    {
        var wanted = fingerprint.Trim().ToLowerInvariant();
        if (wanted.Length < 8)
        {
            throw new UsageException($"FINGERPRINT \"{fingerprint}\": give at least 8 hex digits of the key's fingerprint (keys coverage shows them)");
        }

        var matches = keys.Where(k => k.Key.Fingerprint.StartsWith(wanted, StringComparison.Ordinal)).DistinctBy(k => k.StoredAs).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InputException($"no key with fingerprint {wanted} in {store}"),
            _ => throw new UsageException($"fingerprint {wanted} matches {matches.Count} keys in {store}; give more digits"),
        };
    }

    /// <summary>Which documents under the files need which key (SealedSecrets, by trial with every key of the store).</summary>
    public static KeyUsers Users(ValueCipher cipher, IReadOnlyList<string> files, IReadOnlyList<StoredKey> keys, Func<string, string> display) =>
        KeyUsersFinder.Find(cipher, files, keys.Select(k => k.Key), display);
}
