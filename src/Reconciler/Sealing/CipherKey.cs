using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// An RSA key as the cipher needs it: the public half (seals), the private half when held (opens), its
/// fingerprint (names it in the <see cref="Unsealer.SealingKeyAnnotation"/> hint), and the key imported
/// once into each RSA engine, reused for every value sealed or opened with it. Where a key came from,
/// and its certificate, are the Keys room's business (its SealingKey derives from this).
/// </summary>
public abstract class CipherKey : IDisposable
{
    private readonly ConcurrentDictionary<(string Engine, bool Private), IDisposable> _engineKeys = new();

    protected CipherKey(string name, RSA publicKey, RSA? privateKey)
    {
        Name = name;
        PublicKey = publicKey;
        PrivateKey = privateKey;
        Fingerprint = ComputeFingerprint(publicKey);
    }

    /// <summary>Where the key came from, for messages: a Secret's name or a file path.</summary>
    public string Name { get; }

    public RSA PublicKey { get; }

    public RSA? PrivateKey { get; }

    public bool CanUnseal => PrivateKey is not null;

    /// <summary>Hex SHA-256 of the public key (SubjectPublicKeyInfo DER): stable across certificate renewals.</summary>
    public string Fingerprint { get; }

    public string ShortFingerprint => Fingerprint[..12];

    /// <summary>The public key imported once into an engine, reused for every value sealed with it.</summary>
    public IRsaOaepPublicKey PublicFor(IRsaOaep engine) =>
        (IRsaOaepPublicKey)_engineKeys.GetOrAdd((engine.Name, false), _ => engine.ImportPublicKey(PublicKey.ExportParameters(false)));

    /// <summary>The private key imported once into an engine, reused for every value unsealed with it.</summary>
    public IRsaOaepPrivateKey PrivateFor(IRsaOaep engine) =>
        (IRsaOaepPrivateKey)_engineKeys.GetOrAdd((engine.Name, true), _ => engine.ImportPrivateKey(
            (PrivateKey ?? throw new InvalidOperationException($"key {Name} has no private key")).ExportParameters(true)));

    public override string ToString() => $"{Name} ({ShortFingerprint})";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (var engineKey in _engineKeys.Values)
        {
            engineKey.Dispose();
        }

        _engineKeys.Clear();
        PublicKey.Dispose();
        PrivateKey?.Dispose();
    }

    private static string ComputeFingerprint(RSA key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
}

/// <summary>
/// The keys an unseal may try: those with a private half, in the order to try them (newest first, as
/// current manifests are most likely sealed to a recent key), and a lookup by fingerprint for the hint.
/// </summary>
public interface IUnsealingKeys
{
    IEnumerable<CipherKey> UnsealingKeys { get; }

    /// <summary>A key by its fingerprint or a prefix of it (at least 12 hex characters); null when none.</summary>
    CipherKey? Find(string fingerprint);
}
