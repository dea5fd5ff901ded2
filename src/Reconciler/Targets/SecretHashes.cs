using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GitOpsSecrets.Targets;

/// <summary>The data hash recorded with every applied Secret (see <see cref="AppliedStamp"/>).</summary>
public static class SecretHashes
{
    public const string Prefix = "sha256:";

    /// <summary>
    /// SHA-256 over the data's keys and values in ordinal key order, each length-prefixed so that no two
    /// different maps encode alike.
    /// </summary>
    public static string DataHash(IEnumerable<KeyValuePair<string, byte[]>> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var (key, value) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            BinaryPrimitives.WriteInt32BigEndian(length, keyBytes.Length);
            hash.AppendData(length);
            hash.AppendData(keyBytes);
            BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
            hash.AppendData(length);
            hash.AppendData(value);
        }

        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of one value: compared between what a target holds and what we would write, never shown.</summary>
    public static string KeyHash(ReadOnlySpan<byte> value) => Convert.ToHexStringLower(SHA256.HashData(value));

    public static IReadOnlyDictionary<string, string> KeyHashes(IEnumerable<KeyValuePair<string, byte[]>> data) =>
        data.ToDictionary(p => p.Key, p => KeyHash(p.Value), StringComparer.Ordinal);
}
