using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Sharing;

/// <summary>
/// The list reads the sharing kinds need on top of <see cref="NodeFields"/>: every failure names the
/// document and the field path (<c>spec.access[0].verbs[1]</c>).
/// </summary>
internal static class SharingFields
{
    public static JsonArray? OptionalArray(this NodeFields fields, JsonObject parent, string key, string path) => parent[key] switch
    {
        null => null,
        JsonArray array => array,
        var other => throw fields.Document.Error(other, $"{path} must be a list"),
    };

    /// <summary>A list of non-empty strings; null entries, other types and empty strings are errors naming the index.</summary>
    public static IReadOnlyList<string> StringList(this NodeFields fields, JsonObject parent, string key, string path)
    {
        var list = new List<string>();
        var index = 0;
        foreach (var item in fields.OptionalArray(parent, key, path) ?? [])
        {
            list.Add(item switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0 => v.GetValue<string>(),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => throw fields.Document.Error(item, $"{path}[{index}] must not be empty"),
                _ => throw fields.Document.Error(item ?? parent[key], $"{path}[{index}] must be a string"),
            });
            index++;
        }

        return list;
    }

    public static JsonObject ObjectItem(this NodeFields fields, JsonNode? item, JsonNode? parent, string path) =>
        item as JsonObject ?? throw fields.Document.Error(item ?? parent, $"{path} must be a mapping");

    /// <summary>Refuses fields the kind does not define, so a typo (<c>namespaceSelecter</c>) is not silently ignored.</summary>
    public static void OnlyKnown(this NodeFields fields, JsonObject obj, string path, params string[] known)
    {
        foreach (var (key, value) in obj)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                throw fields.Document.Error(value ?? obj, $"{(path.Length == 0 ? key : path + "." + key)}: unknown field (expected {string.Join(", ", known)})");
            }
        }
    }
}
