using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Keys;

public sealed class KeyGeneratorTests
{
    [Fact]
    public void Generate_Defaults_AreTheControllersCertificate()
    {
        // TestKeys.Old was made by KeyGenerator with its defaults (and read back from PEM, as a store would).
        using var key = TestKeys.Old();
        var certificate = key.Certificate!;

        certificate.GetRSAPublicKey()!.KeySize.ShouldBe(4096);
        key.PrivateKey!.KeySize.ShouldBe(4096);
        certificate.NotBefore.ToUniversalTime().ShouldBe(TestKeys.OldNotBefore.UtcDateTime);
        (certificate.NotAfter - certificate.NotBefore).ShouldBe(TimeSpan.FromDays(3650));
        KeyGenerator.DefaultValidity.ShouldBe(TimeSpan.FromDays(3650));
        AssertControllerShape(certificate);
    }

    [Fact]
    public void Generate_EmptySubject_IsAnEmptyRdnSequenceLikeGos()
    {
        using var key = new KeyGenerator(new FakeTimeProvider(SmallKeys.FirstNotBefore)).Generate("k", 1024);

        key.Certificate!.SubjectName.RawData.ShouldBe(new byte[] { 0x30, 0x00 });
        key.Certificate.IssuerName.RawData.ShouldBe(new byte[] { 0x30, 0x00 });
        key.Certificate.Subject.ShouldBeEmpty();
    }

    [Fact]
    public void Generate_CommonName_IsSubjectAndIssuer()
    {
        using var key = new KeyGenerator(new FakeTimeProvider(SmallKeys.FirstNotBefore)).Generate("k", 1024, commonName: "sealed-secrets");

        key.Certificate!.Subject.ShouldBe("CN=sealed-secrets");
        key.Certificate.Issuer.ShouldBe("CN=sealed-secrets");
        AssertControllerShape(key.Certificate);
    }

    [Fact]
    public void Generate_NotBefore_IsNowTruncatedToSeconds_AndValidityIsHonoured()
    {
        var now = new DateTimeOffset(2026, 12, 1, 21, 30, 15, 789, TimeSpan.Zero);
        using var key = new KeyGenerator(new FakeTimeProvider(now)).Generate("k", 1024, TimeSpan.FromDays(1));

        key.NotBefore.ShouldBe(new DateTimeOffset(2026, 12, 1, 21, 30, 15, TimeSpan.Zero));
        key.Certificate!.NotAfter.ToUniversalTime().ShouldBe(new DateTime(2026, 12, 2, 21, 30, 15, DateTimeKind.Utc));
        key.Name.ShouldBe("k");
        key.CanUnseal.ShouldBeTrue();
    }

    [Fact]
    public void Generate_EachKeyAndSerial_IsNew()
    {
        var generator = new KeyGenerator(new FakeTimeProvider(SmallKeys.FirstNotBefore));
        using var a = generator.Generate("a", 1024);
        using var b = generator.Generate("b", 1024);

        a.Fingerprint.ShouldNotBe(b.Fingerprint);
        a.Certificate!.SerialNumber.ShouldNotBe(b.Certificate!.SerialNumber);
    }

    [Fact]
    public void Fingerprint_IsSha256OfSubjectPublicKeyInfo()
    {
        using var key = SmallKeys.Load(SmallKeys.First, "k");

        key.Fingerprint.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(key.Certificate!.PublicKey.ExportSubjectPublicKeyInfo())));
        key.ShortFingerprint.ShouldBe(key.Fingerprint[..12]);
        key.ToString().ShouldBe($"k ({key.ShortFingerprint})");
    }

    private static void AssertControllerShape(X509Certificate2 certificate)
    {
        certificate.SignatureAlgorithm.Value.ShouldBe("1.2.840.113549.1.1.11", "sha256WithRSAEncryption");
        certificate.Version.ShouldBe(3);

        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        keyUsage.Critical.ShouldBeTrue();
        keyUsage.KeyUsages.ShouldBe(X509KeyUsageFlags.EncipherOnly);

        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        constraints.Critical.ShouldBeTrue();
        constraints.CertificateAuthority.ShouldBeTrue();
        constraints.HasPathLengthConstraint.ShouldBeFalse();

        var serial = certificate.SerialNumberBytes.Span;
        serial.Length.ShouldBeInRange(1, 17);
        (serial[0] & 0x80).ShouldBe(0, "the serial must be a positive INTEGER");

        // Self-signed: the certificate's own key verifies its signature over the TBS part.
        var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = reader.ReadEncodedValue().ToArray();
        reader.ReadSequence();
        var signature = reader.ReadBitString(out _);
        using var publicKey = certificate.GetRSAPublicKey()!;
        publicKey.VerifyData(tbs, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).ShouldBeTrue();
    }
}
