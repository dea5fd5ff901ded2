using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Keys;

public sealed class KeyRingTests
{
    [Fact]
    public void Keys_AreOrderedNewestFirstByNotBefore_WhateverTheInputOrder()
    {
        using var ring = new KeyRing([SmallKeys.Load(SmallKeys.Second, "b"), SmallKeys.Load(SmallKeys.Third, "c"), SmallKeys.Load(SmallKeys.First, "a")]);

        ring.Keys.Select(k => k.Name).ShouldBe(["c", "b", "a"]);
        ring.Newest!.Name.ShouldBe("c");
        ring.UnsealingKeys.Select(k => k.Name).ShouldBe(["c", "b", "a"]);
        ring.Count.ShouldBe(3);
    }

    [Fact]
    public void Newest_SkipsKeysWithoutACertificate()
    {
        using var ring = new KeyRing([SmallKeys.PrivateOnly(SmallKeys.Third, "private-only"), SmallKeys.Load(SmallKeys.First, "with-cert")]);

        ring.Newest!.Name.ShouldBe("with-cert");
        ring.Keys.Last().Name.ShouldBe("private-only");
        ring.Keys.Last().NotBefore.ShouldBe(DateTimeOffset.MinValue);
    }

    [Fact]
    public void UnsealingKeys_SkipCertificateOnlyKeys()
    {
        using var ring = new KeyRing([SmallKeys.CertificateOnly(SmallKeys.Third, "cert"), SmallKeys.Load(SmallKeys.First, "pair")]);

        ring.UnsealingKeys.Select(k => k.Name).ShouldBe(["pair"]);
        ring.Newest!.Name.ShouldBe("cert");
    }

    [Fact]
    public void CertificateAndPrivateHalves_OfOneKey_AreJoined()
    {
        using var ring = new KeyRing([SmallKeys.CertificateOnly(SmallKeys.Second, "x.crt"), SmallKeys.PrivateOnly(SmallKeys.Second, "x.key")]);

        var key = ring.Keys.Single();
        key.CanUnseal.ShouldBeTrue();
        key.Certificate.ShouldNotBeNull();
        key.NotBefore.ShouldBe(SmallKeys.SecondNotBefore);
        key.Fingerprint.ShouldBe(SmallKeys.Second.Fingerprint);
        ring.Newest.ShouldBeSameAs(key);
    }

    [Fact]
    public void SameKeyTwice_IsOneKey()
    {
        using var ring = new KeyRing([SmallKeys.Load(SmallKeys.First, "file"), SmallKeys.Load(SmallKeys.First, "secret")]);

        ring.Count.ShouldBe(1);
        ring.Keys.Single().CanUnseal.ShouldBeTrue();
    }

    [Fact]
    public void SameNotBefore_IsOrderedByName()
    {
        using var ring = new KeyRing([SmallKeys.Load(SmallKeys.First, "zeta"), SmallKeys.Load(SmallKeys.Expired, "alpha")]);

        // Expired was made at SecondNotBefore, so it is newer; this checks the date wins over the name.
        ring.Keys.Select(k => k.Name).ShouldBe(["alpha", "zeta"]);
    }

    [Fact]
    public void Find_ByFingerprintPrefixOfTwelveOrMore_CaseInsensitive()
    {
        using var ring = new KeyRing([SmallKeys.Load(SmallKeys.First, "a"), SmallKeys.Load(SmallKeys.Second, "b")]);
        var fingerprint = SmallKeys.Second.Fingerprint;

        ring.Find(fingerprint)!.Name.ShouldBe("b");
        ring.Find(fingerprint[..12].ToUpperInvariant())!.Name.ShouldBe("b");
        ring.Find(fingerprint[..11]).ShouldBeNull();
        ring.Find(new string('0', 64)).ShouldBeNull();
    }

    [Fact]
    public void Empty_HasNothing()
    {
        using var ring = KeyRing.Empty;

        ring.Count.ShouldBe(0);
        ring.Newest.ShouldBeNull();
        ring.UnsealingKeys.ShouldBeEmpty();
    }

    [Fact]
    public void SealingKey_FromCertificateWithAnotherKeysPrivateHalf_IsRefused()
    {
        using var certificate = SmallKeys.CertificateOnly(SmallKeys.First, "c");
        using var other = SmallKeys.PrivateOnly(SmallKeys.Second, "p");
        var copy = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.Certificate!.RawData);

        Should.Throw<System.Security.Cryptography.CryptographicException>(() => SealingKey.FromCertificate("x", copy, other.PrivateKey))
            .Message.ShouldBe("the private key does not match the certificate");
    }
}
