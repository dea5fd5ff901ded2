using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// Key pairs for tests, generated once per test run (RSA-4096 generation takes about a second) with
/// fixed NotBefore dates so "newest" is deterministic. Tests get fresh <see cref="SealingKey"/> objects
/// parsed from the stored PEM, so disposing one never affects another test.
/// </summary>
public static class TestKeys
{
    public static readonly DateTimeOffset OldNotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset NewNotBefore = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<(string Certificate, string PrivateKey)> OldPem = new(() => Generate("old", OldNotBefore, KeyGenerator.DefaultValidity));
    private static readonly Lazy<(string Certificate, string PrivateKey)> NewPem = new(() => Generate("new", NewNotBefore, KeyGenerator.DefaultValidity));
    private static readonly Lazy<(string Certificate, string PrivateKey)> ExpiredPem = new(() => Generate("expired", OldNotBefore, TimeSpan.FromDays(30)));

    /// <summary>An older key (2025-01-01) that is not the vector key.</summary>
    public static SealingKey Old() => Load("old", OldPem.Value);

    /// <summary>A newer key (2026-06-01), still older than the vector key (2026-11-23).</summary>
    public static SealingKey New() => Load("new", NewPem.Value);

    public static string OldCertificatePem => OldPem.Value.Certificate;

    public static string OldPrivateKeyPem => OldPem.Value.PrivateKey;

    public static string NewCertificatePem => NewPem.Value.Certificate;

    public static string NewPrivateKeyPem => NewPem.Value.PrivateKey;

    /// <summary>A certificate that expired on 2025-01-31.</summary>
    public static string ExpiredCertificatePem => ExpiredPem.Value.Certificate;

    /// <summary>The key as a controller key Secret manifest (YAML).</summary>
    public static string SecretManifest(SealingKey key, string @namespace = "kube-system") =>
        ManifestFormats.Write([GitOpsSecrets.Secrets.SecretManifest.ToNode(KeySecrets.ToSecret(key, @namespace, KeySecrets.NewName()))], ManifestFormat.Yaml);

    private static (string Certificate, string PrivateKey) Generate(string name, DateTimeOffset notBefore, TimeSpan validity)
    {
        using var key = new KeyGenerator(new FakeTimeProvider(notBefore)).Generate(name, validity: validity);
        return (KeySecrets.CertificatePem(key), KeySecrets.PrivateKeyPem(key));
    }

    private static SealingKey Load(string name, (string Certificate, string PrivateKey) pem)
    {
        var result = KeyMaterialReader.Read(System.Text.Encoding.UTF8.GetBytes(pem.Certificate + pem.PrivateKey), name);
        result.Problems.ShouldBeEmpty();
        return result.Keys.Single();
    }
}
