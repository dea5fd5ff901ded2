using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Typed reads from a document's nodes. Every failure names the document and the field path
/// (<c>spec.encryptedData.password</c>), and never quotes a value, which may be secret.
/// </summary>
public readonly struct NodeFields(ManifestDocument document)
{
    public ManifestDocument Document { get; } = document;

    public JsonObject RootObject(string what)
    {
        return Document.Root as JsonObject ?? throw Document.Error(Document.Root, $"a {what} must be a mapping");
    }

    public JsonObject? OptionalObject(JsonObject parent, string key, string path) => parent[key] switch
    {
        null => null,
        JsonObject obj => obj,
        var other => throw Document.Error(other, $"{path} must be a mapping"),
    };

    public string? OptionalString(JsonObject parent, string key, string path) => parent[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw Document.Error(other, $"{path} must be a string{QuoteHint(other)}"),
    };

    public bool? OptionalBool(JsonObject parent, string key, string path) => parent[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var other => throw Document.Error(other, $"{path} must be true or false"),
    };

    /// <summary>A map of strings (labels, annotations, data); a non-string value is an error naming its key.</summary>
    public SortedDictionary<string, string> StringMap(JsonObject parent, string key, string path)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in OptionalObject(parent, key, path) ?? [])
        {
            map[name] = value switch
            {
                null => string.Empty,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                var other => throw Document.Error(other, $"{path}.{name} must be a string{QuoteHint(other)}"),
            };
        }

        return map;
    }

    private static string QuoteHint(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number
            ? " (quote it: YAML reads it as a " + (v.GetValueKind() == JsonValueKind.Number ? "number" : "boolean") + ")"
            : string.Empty;
}
