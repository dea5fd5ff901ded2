using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>Both RSA-OAEP engines, so every crypto test runs through the fast path and the fallback.</summary>
public static class Engines
{
    public static TheoryData<string> Names => ["openssl", "bouncycastle"];

    public static IRsaOaep Create(string name) => name switch
    {
        "openssl" => RsaOaepFactory.Create(CryptoEngine.OpenSsl),
        "bouncycastle" => RsaOaepFactory.Create(CryptoEngine.BouncyCastle),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static ValueCipher Cipher(string name) => new(Create(name), new CryptoCounters());
}
