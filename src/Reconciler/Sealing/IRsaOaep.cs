using System.Security.Cryptography;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// RSA-OAEP with SHA-256 for both the hash and MGF1, and an explicit label. .NET's own <see cref="RSA"/>
/// cannot pass a label, and Bitnami's wire format needs one, so this is the seam between the two
/// engines we ship: the platform OpenSSL (fast) and BouncyCastle (portable).
/// </summary>
public interface IRsaOaep
{
    /// <summary>A short name for diagnostics and benchmarks ("openssl", "bouncycastle").</summary>
    string Name { get; }

    IRsaOaepPublicKey ImportPublicKey(RSAParameters parameters);

    IRsaOaepPrivateKey ImportPrivateKey(RSAParameters parameters);
}

public interface IRsaOaepPublicKey : IDisposable
{
    /// <summary>Size of the modulus in bytes, which is also the length of every ciphertext.</summary>
    int ModulusBytes { get; }

    byte[] Encrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> plaintext);
}

public interface IRsaOaepPrivateKey : IDisposable
{
    int ModulusBytes { get; }

    /// <summary>
    /// Decrypts, or returns null when the ciphertext was not made for this key and label. A failed
    /// decryption is an expected outcome here (every key of a ring is tried), so no exception.
    /// </summary>
    byte[]? TryDecrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> ciphertext);
}
