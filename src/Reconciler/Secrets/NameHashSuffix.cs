using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Secrets;

/// <summary>
/// kustomize's secretGenerator name suffix: ten characters of a SHA-256 over the Secret's kind, name,
/// type and data, so a changed Secret gets a new name and workloads roll. Opt-in.
/// </summary>
public static class NameHashSuffix
{
    public static string Compute(Secret secret)
    {
        // Same field set and order as kustomize (Go's encoding/json sorts map keys).
        var data = new JsonObject();
        foreach (var (key, value) in secret.Data)
        {
            data[key] = Convert.ToBase64String(value);
        }

        JsonNode encoded = new JsonObject
        {
            ["data"] = data,
            ["kind"] = "Secret",
            ["name"] = secret.Metadata.Name ?? string.Empty,
            ["type"] = secret.Type,
        };

        // Go's json.Marshal also escapes <, > and & (and U+2028/U+2029) inside strings; they can only
        // occur inside strings here, so replacing them in the text gives Go's bytes exactly.
        var json = Manifests.ManifestWriter.ToCompactJson(encoded)
            .Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
        var hex = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));

        // kustomize swaps characters that could spell words or look alike in names.
        return new string(hex[..10].Select(c => c switch
        {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            _ => c,
        }).ToArray());
    }

    public static Secret Apply(Secret secret)
    {
        var copy = secret.Clone();
        copy.Metadata.Name = $"{secret.Metadata.Name}-{Compute(secret)}";
        return copy;
    }
}
