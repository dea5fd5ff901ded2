namespace GitOpsSecrets.Sealing;

/// <summary>Which RSA-OAEP implementation to use; <see cref="Auto"/> prefers OpenSSL where it is available.</summary>
public enum CryptoEngine
{
    Auto,
    OpenSsl,
    BouncyCastle,
}

public static class RsaOaepFactory
{
    /// <summary>Environment variable that forces an engine for every command (CI uses it to run the fallback).</summary>
    public const string EnvironmentVariable = "GITOPS_SECRETS_CRYPTO_ENGINE";

    public static IRsaOaep Create(CryptoEngine engine) => engine switch
    {
        CryptoEngine.BouncyCastle => new BouncyCastleRsaOaep(),
        CryptoEngine.OpenSsl when OperatingSystem.IsLinux() && OpenSslRsaOaep.IsSupported => new OpenSslRsaOaep(),
        CryptoEngine.OpenSsl => throw new PlatformNotSupportedException("the openssl crypto engine needs Linux with OpenSSL 3; use --crypto-engine bouncycastle"),
        _ when OperatingSystem.IsLinux() && OpenSslRsaOaep.IsSupported => new OpenSslRsaOaep(),
        _ => new BouncyCastleRsaOaep(),
    };

    public static bool TryParse(string? text, out CryptoEngine engine)
    {
        engine = CryptoEngine.Auto;
        return string.IsNullOrWhiteSpace(text)
            || Enum.TryParse(text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out engine);
    }
}
