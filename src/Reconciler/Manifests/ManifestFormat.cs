using System.Text.Json.Nodes;

namespace GitOpsSecrets.Manifests;

public enum ManifestFormat
{
    Json,
    Yaml,
}

public static class ManifestFormats
{
    public static bool TryParse(string? text, out ManifestFormat format)
    {
        format = text?.ToLowerInvariant() switch
        {
            "json" => ManifestFormat.Json,
            "yaml" or "yml" => ManifestFormat.Yaml,
            _ => (ManifestFormat)(-1),
        };
        return Enum.IsDefined(format);
    }

    /// <summary>
    /// Documents in one stream: JSON values one after another, or YAML documents separated by <c>---</c>
    /// (a single document is printed bare, as kubeseal and kubectl print it).
    /// </summary>
    public static string Write(IEnumerable<JsonNode> documents, ManifestFormat format) => format == ManifestFormat.Json
        ? string.Concat(documents.Select(ManifestWriter.ToJson))
        : string.Join("---\n", documents.Select(d => ManifestWriter.ToYaml(ManifestWriter.SortKeys(d))));
}
