using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Keys;

/// <summary>
/// One sealing key: an RSA public key with its certificate (what sealing needs) and, when we hold
/// it, the private key (what unsealing needs). Named after where it came from, for messages. The
/// cipher's view of it (fingerprint, engine handles) is Sealing's <see cref="CipherKey"/>.
/// </summary>
public sealed class SealingKey : CipherKey
{
    private SealingKey(string name, X509Certificate2? certificate, RSA publicKey, RSA? privateKey)
        : base(name, publicKey, privateKey)
    {
        Certificate = certificate;
    }

    public X509Certificate2? Certificate { get; }

    /// <summary>When the key was made (its certificate's NotBefore); keys without a certificate sort oldest.</summary>
    public DateTimeOffset NotBefore => Certificate is null ? DateTimeOffset.MinValue : new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Certificate?.Dispose();
        }

        base.Dispose(disposing);
    }
}
