using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>
/// Fills <see cref="KeyUsers"/> for key retirement: which documents need which key. SealedSecrets come
/// from <c>keys coverage</c>; another sealed document kind adds its own pass here.
/// </summary>
public static class KeyUsersFinder
{
    public static KeyUsers Find(ValueCipher cipher, IReadOnlyList<string> files, IEnumerable<SealingKey> keys, Func<string, string> display)
    {
        // Coverage only borrows the keys: one per fingerprint, so the ring never disposes a key the caller holds.
        var ring = new KeyRing(keys.DistinctBy(k => k.Fingerprint, StringComparer.Ordinal));
        var report = new KeyCoverage(cipher).Run(files, ring);
        var users = new KeyUsers();
        foreach (var manifest in report.Manifests)
        {
            if (manifest.Error is not null)
            {
                users.AddUnreadable($"{display(manifest.File)}: {manifest.Error}");
            }
            else if (manifest.Key is { } key)
            {
                users.Add(key.Fingerprint, $"SealedSecret {manifest.Name} in {display(manifest.File)}");
            }
        }

        return users;
    }
}
