using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GitOpsSecrets.Keys;

/// <summary>
/// Makes key pairs like the Sealed Secrets controller: RSA-4096 and a self-signed certificate with an
/// empty subject (or the given common name), a random 128-bit serial, CA:TRUE, key usage EncipherOnly
/// and ten years of validity.
/// </summary>
public sealed class KeyGenerator(TimeProvider time)
{
    public const int DefaultKeySize = 4096;
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(3650);

    public SealingKey Generate(string name, int keySize = DefaultKeySize, TimeSpan? validity = null, string? commonName = null)
    {
        var rsa = RSA.Create(keySize);
        try
        {
            var certificate = CreateCertificate(rsa, validity ?? DefaultValidity, commonName);
            return SealingKey.FromCertificate(name, certificate, rsa);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    public X509Certificate2 CreateCertificate(RSA rsa, TimeSpan validity, string? commonName)
    {
        var subject = string.IsNullOrEmpty(commonName)
            ? new X500DistinguishedName(EmptyName())
            : new X500DistinguishedNameBuilder().Also(b => b.AddCommonName(commonName)).Build();
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.EncipherOnly, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f; // a positive INTEGER
        var notBefore = TruncateToSeconds(time.GetUtcNow());
        using var signed = request.Create(subject, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), notBefore, notBefore + validity, serial);

        // Re-read from DER so the certificate carries no private key of its own; the pair is held by SealingKey.
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static byte[] EmptyName()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.PushSequence();
        writer.PopSequence();
        return writer.Encode();
    }
}

internal static class BuilderExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
