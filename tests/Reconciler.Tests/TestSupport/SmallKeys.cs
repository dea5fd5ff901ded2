using GitOpsSecrets.Keys;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// RSA-1024 key pairs for unit tests that need several keys but not the production size: generated
/// once per run in milliseconds (RSA-4096 takes seconds on a busy machine), with fixed NotBefore
/// dates so "newest" is known. Big enough for OAEP-SHA-256 of a 32-byte session key and for TLS pairs.
/// Each call returns a fresh <see cref="SealingKey"/> parsed from the stored PEM.
/// </summary>
public static class SmallKeys
{
    public static readonly DateTimeOffset FirstNotBefore = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset SecondNotBefore = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ThirdNotBefore = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<Pem> FirstPem = new(() => Generate(FirstNotBefore, KeyGenerator.DefaultValidity));
    private static readonly Lazy<Pem> SecondPem = new(() => Generate(SecondNotBefore, KeyGenerator.DefaultValidity));
    private static readonly Lazy<Pem> ThirdPem = new(() => Generate(ThirdNotBefore, KeyGenerator.DefaultValidity));

    /// <summary>Valid for 30 days from 2025-03-01: expired on March 31, 2025.</summary>
    private static readonly Lazy<Pem> ExpiredPem = new(() => Generate(SecondNotBefore, TimeSpan.FromDays(30)));

    public static Pem First => FirstPem.Value;

    public static Pem Second => SecondPem.Value;

    public static Pem Third => ThirdPem.Value;

    public static Pem Expired => ExpiredPem.Value;

    public static SealingKey Load(Pem pem, string name) => Read(pem.Certificate + pem.PrivateKey, name);

    public static SealingKey CertificateOnly(Pem pem, string name) => Read(pem.Certificate, name);

    public static SealingKey PrivateOnly(Pem pem, string name) => Read(pem.PrivateKey, name);

    private static SealingKey Read(string text, string name)
    {
        var result = KeyMaterialReader.Read(System.Text.Encoding.UTF8.GetBytes(text), name);
        result.Problems.ShouldBeEmpty();
        return result.Keys.Single();
    }

    private static Pem Generate(DateTimeOffset notBefore, TimeSpan validity)
    {
        using var key = new KeyGenerator(new FakeTimeProvider(notBefore)).Generate("small", 1024, validity);
        return new Pem(KeySecrets.CertificatePem(key), KeySecrets.PrivateKeyPem(key), key.Fingerprint);
    }

    public sealed record Pem(string Certificate, string PrivateKey, string Fingerprint);
}
