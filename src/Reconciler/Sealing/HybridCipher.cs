using System.Buffers.Binary;
using System.Security.Cryptography;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// Bitnami's per-value hybrid encryption: a fresh 32-byte AES key wrapped with RSA-OAEP, then the value
/// sealed with AES-256-GCM under a zero nonce (safe because every key is used exactly once).
/// Layout: uint16 BE len(rsa) ‖ rsa ciphertext ‖ aes-gcm ciphertext ‖ 16-byte tag.
/// </summary>
public static class HybridCipher
{
    public const int SessionKeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static byte[] Encrypt(IRsaOaepPublicKey key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> sessionKey = stackalloc byte[SessionKeyBytes];
        RandomNumberGenerator.Fill(sessionKey);
        try
        {
            var wrapped = key.Encrypt(label, sessionKey);
            var output = new byte[2 + wrapped.Length + plaintext.Length + TagBytes];
            BinaryPrimitives.WriteUInt16BigEndian(output, checked((ushort)wrapped.Length));
            wrapped.CopyTo(output.AsSpan(2));
            var body = output.AsSpan(2 + wrapped.Length, plaintext.Length);
            var tag = output.AsSpan(2 + wrapped.Length + plaintext.Length, TagBytes);
            using var aes = new AesGcm(sessionKey, TagBytes);
            aes.Encrypt(stackalloc byte[NonceBytes], plaintext, body, tag);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sessionKey);
        }
    }

    /// <summary>Splits a value into its RSA part and its AES part, or says why it cannot be one of ours.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> ciphertext, out Range rsaPart, out Range aesPart)
    {
        rsaPart = aesPart = default;
        if (ciphertext.Length < 2)
        {
            return false;
        }

        var rsaLength = BinaryPrimitives.ReadUInt16BigEndian(ciphertext);
        if (ciphertext.Length < 2 + rsaLength + TagBytes)
        {
            return false;
        }

        rsaPart = new Range(2, 2 + rsaLength);
        aesPart = new Range(2 + rsaLength, ciphertext.Length);
        return true;
    }

    /// <summary>
    /// Opens the AES part with a session key recovered by RSA. Returns null when the tag does not
    /// verify, which happens when the value was tampered with.
    /// </summary>
    public static byte[]? TryOpen(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> aesPart)
    {
        if (sessionKey.Length != SessionKeyBytes || aesPart.Length < TagBytes)
        {
            return null;
        }

        var body = aesPart[..^TagBytes];
        var plaintext = new byte[body.Length];
        using var aes = new AesGcm(sessionKey, TagBytes);
        try
        {
            aes.Decrypt(stackalloc byte[NonceBytes], body, aesPart[^TagBytes..], plaintext);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
