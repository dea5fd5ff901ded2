using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Keys;

/// <summary>
/// Every key we know. The newest (latest certificate NotBefore) seals; every key with a private half
/// unseals, newest first, because current manifests are most likely sealed to a recent key.
/// </summary>
public sealed class KeyRing : IUnsealingKeys, IDisposable
{
    private readonly List<SealingKey> _keys;

    public KeyRing(IEnumerable<SealingKey> keys)
    {
        // The same key often arrives twice (a certificate file and a private key file, or a PEM file and
        // a Secret): join the halves into one key, so the certificate dates it and the private key opens.
        _keys = keys
            .GroupBy(k => k.Fingerprint, StringComparer.Ordinal)
            .Select(Join)
            .OrderByDescending(k => k.NotBefore)
            .ThenBy(k => k.Name, StringComparer.Ordinal)
            .ToList();
    }

    public static KeyRing Empty => new([]);

    public IReadOnlyList<SealingKey> Keys => _keys;

    public IEnumerable<SealingKey> UnsealingKeys => _keys.Where(k => k.CanUnseal);

    public int Count => _keys.Count;

    /// <summary>The key that seals: the newest one with a certificate.</summary>
    public SealingKey? Newest => _keys.FirstOrDefault(k => k.Certificate is not null);

    /// <summary>A key by its fingerprint or a prefix of it (at least 12 hex characters).</summary>
    public SealingKey? Find(string fingerprint) =>
        fingerprint.Length < 12 ? null : _keys.FirstOrDefault(k => k.Fingerprint.StartsWith(fingerprint, StringComparison.OrdinalIgnoreCase));

    IEnumerable<CipherKey> IUnsealingKeys.UnsealingKeys => UnsealingKeys;

    CipherKey? IUnsealingKeys.Find(string fingerprint) => Find(fingerprint);

    private static SealingKey Join(IGrouping<string, SealingKey> same)
    {
        var withCertificate = same.FirstOrDefault(k => k.Certificate is not null);
        var withPrivateKey = same.FirstOrDefault(k => k.PrivateKey is not null);
        var chosen = withCertificate is not null && withPrivateKey is not null && withCertificate != withPrivateKey
            ? SealingKey.Combine(withCertificate, withPrivateKey)
            : withCertificate ?? same.First();
        foreach (var other in same.Where(k => k != chosen))
        {
            other.Dispose();
        }

        return chosen;
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
