using System.Security.Cryptography;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>One value opened, and which key opened it (reseal and key coverage need to know).</summary>
public sealed record OpenedValue<TKey>(byte[] Plaintext, TKey Key)
    where TKey : CipherKey;

/// <summary>Seals and opens single base64 values with keys of a ring, on one RSA engine.</summary>
public sealed class ValueCipher(IRsaOaep engine, CryptoCounters counters)
{
    public IRsaOaep Engine { get; } = engine;

    public CryptoCounters Counters { get; } = counters;

    public string Seal(CipherKey key, byte[] label, ReadOnlySpan<byte> plaintext) =>
        Convert.ToBase64String(HybridCipher.Encrypt(key.PublicFor(Engine), label, plaintext));

    /// <summary>
    /// Opens a value with the first key that can, trying <paramref name="preferred"/> first.
    /// Null when the value is not base64 of our layout or no key opens it (wrong key, wrong scope,
    /// renamed, tampered); callers report that without saying which, as Bitnami does.
    /// </summary>
    public OpenedValue<TKey>? TryOpen<TKey>(IEnumerable<TKey> keys, byte[] label, string base64, TKey? preferred = null)
        where TKey : CipherKey
    {
        if (StrictBase64.TryDecode(base64, out _) is not { } ciphertext)
        {
            return null;
        }

        if (!HybridCipher.TrySplit(ciphertext, out var rsaPart, out var aesPart))
        {
            return null;
        }

        var candidates = preferred is null ? keys : keys.Where(k => k != preferred).Prepend(preferred);
        foreach (var key in candidates)
        {
            if (!key.CanUnseal)
            {
                continue;
            }

            var privateKey = key.PrivateFor(Engine);
            if (privateKey.ModulusBytes != rsaPart.GetOffsetAndLength(ciphertext.Length).Length)
            {
                continue; // a ciphertext for another key size: not this key, and no RSA work needed to know
            }

            Counters.CountRsaPrivateOperation();
            var sessionKey = privateKey.TryDecrypt(label, ciphertext.AsSpan()[rsaPart]);
            if (sessionKey is null)
            {
                continue;
            }

            var plaintext = HybridCipher.TryOpen(sessionKey, ciphertext.AsSpan()[aesPart]);
            CryptographicOperations.ZeroMemory(sessionKey);
            if (plaintext is not null)
            {
                return new OpenedValue<TKey>(plaintext, key);
            }
        }

        return null;
    }
}
