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

    /// <summary>Documents in one stream: JSON values one after another, or YAML documents each opened by <c>---</c>.</summary>
    public static string Write(IEnumerable<JsonNode> documents, ManifestFormat format) => format == ManifestFormat.Json
        ? string.Concat(documents.Select(ManifestWriter.ToJson))
        : string.Concat(documents.Select(d => "---\n" + ManifestWriter.ToYaml(ManifestWriter.SortKeys(d))));
}
