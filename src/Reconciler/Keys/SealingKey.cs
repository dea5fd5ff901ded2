using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Keys;

/// <summary>
/// One sealing key: an RSA public key with its certificate (what sealing needs) and, when we hold
/// it, the private key (what unsealing needs). Named after where it came from, for messages.
/// </summary>
public sealed class SealingKey : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Engine, bool Private), IDisposable> _engineKeys = new();

    private SealingKey(string name, X509Certificate2? certificate, RSA publicKey, RSA? privateKey)
    {
        Name = name;
        Certificate = certificate;
        PublicKey = publicKey;
        PrivateKey = privateKey;
        Fingerprint = ComputeFingerprint(publicKey);
    }

    /// <summary>Where the key came from: a Secret's name or a file path.</summary>
    public string Name { get; }

    public X509Certificate2? Certificate { get; }

    public RSA PublicKey { get; }

    public RSA? PrivateKey { get; }

    public bool CanUnseal => PrivateKey is not null;

    /// <summary>When the key was made (its certificate's NotBefore); keys without a certificate sort oldest.</summary>
    public DateTimeOffset NotBefore => Certificate is null ? DateTimeOffset.MinValue : new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>Hex SHA-256 of the public key (SubjectPublicKeyInfo DER): stable across certificate renewals.</summary>
    public string Fingerprint { get; }

    public string ShortFingerprint => Fingerprint[..12];

    public static SealingKey FromCertificate(string name, X509Certificate2 certificate, RSA? privateKey = null)
    {
        var publicKey = certificate.GetRSAPublicKey() ?? throw new CryptographicException("the certificate does not hold an RSA key");
        if (privateKey is not null && !SamePublicKey(publicKey, privateKey))
        {
            publicKey.Dispose();
            throw new CryptographicException("the private key does not match the certificate");
        }

        return new SealingKey(name, certificate, publicKey, privateKey);
    }

    /// <summary>A key known only by its private half (a recovery PEM file): it unseals but cannot seal.</summary>
    public static SealingKey FromPrivateKey(string name, RSA privateKey)
    {
        var publicKey = RSA.Create();
        publicKey.ImportParameters(privateKey.ExportParameters(includePrivateParameters: false));
        return new SealingKey(name, null, publicKey, privateKey);
    }

    /// <summary>One key from a certificate-only half and a private-only half of the same key pair.</summary>
    public static SealingKey Combine(SealingKey certificateHalf, SealingKey privateHalf)
    {
        var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificateHalf.Certificate!.RawData);
        var privateKey = RSA.Create();
        privateKey.ImportParameters(privateHalf.PrivateKey!.ExportParameters(true));
        return FromCertificate(privateHalf.Name, certificate, privateKey);
    }

    public static bool SamePublicKey(RSA a, RSA b)
    {
        var pa = a.ExportParameters(false);
        var pb = b.ExportParameters(false);
        return pa.Modulus.AsSpan().SequenceEqual(pb.Modulus) && pa.Exponent.AsSpan().SequenceEqual(pb.Exponent);
    }

    private static string ComputeFingerprint(RSA key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    public override string ToString() => $"{Name} ({ShortFingerprint})";

    /// <summary>The public key imported once into an engine, reused for every value sealed with it.</summary>
    public IRsaOaepPublicKey PublicFor(IRsaOaep engine) =>
        (IRsaOaepPublicKey)_engineKeys.GetOrAdd((engine.Name, false), _ => engine.ImportPublicKey(PublicKey.ExportParameters(false)));

    /// <summary>The private key imported once into an engine, reused for every value unsealed with it.</summary>
    public IRsaOaepPrivateKey PrivateFor(IRsaOaep engine) =>
        (IRsaOaepPrivateKey)_engineKeys.GetOrAdd((engine.Name, true), _ => engine.ImportPrivateKey(
            (PrivateKey ?? throw new InvalidOperationException($"key {Name} has no private key")).ExportParameters(true)));

    public void Dispose()
    {
        foreach (var engineKey in _engineKeys.Values)
        {
            engineKey.Dispose();
        }

        _engineKeys.Clear();
        Certificate?.Dispose();
        PublicKey.Dispose();
        PrivateKey?.Dispose();
    }
}
