using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GitOpsSecrets.Restarts;

/// <summary>
/// The pod-template annotation's value: SHA-256 over exactly the data a workload uses, from per-key
/// value hashes. The same data always gives the same value, so applying it twice rolls nothing twice.
/// </summary>
public static class UsedDataHash
{
    public const string Prefix = "sha256:";

    /// <summary>
    /// <paramref name="uses"/>: Secret name → the keys used (null: all of them); <paramref name="keyHashes"/>:
    /// the Secret's key hashes (null: it does not exist). A used key that is missing counts as missing, so
    /// its appearance changes the hash.
    /// </summary>
    public static string Compute(IReadOnlyDictionary<string, IReadOnlySet<string>?> uses, Func<string, IReadOnlyDictionary<string, string>?> keyHashes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (secret, keys) in uses.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Append(hash, "secret");
            Append(hash, secret);
            var data = keyHashes(secret);
            if (data is null)
            {
                Append(hash, "absent");
                continue;
            }

            foreach (var key in (keys ?? data.Keys.ToHashSet(StringComparer.Ordinal)).Order(StringComparer.Ordinal))
            {
                Append(hash, key);
                Append(hash, data.TryGetValue(key, out var value) ? value : "-");
            }
        }

        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
