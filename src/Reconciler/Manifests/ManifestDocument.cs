using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Manifests;

/// <summary>One parsed YAML or JSON document, with the line of each of its nodes for error messages.</summary>
public sealed class ManifestDocument
{
    private readonly ConditionalWeakTable<JsonNode, StrongBox<int>> _lines;

    internal ManifestDocument(JsonNode? root, SourceLocation location, ConditionalWeakTable<JsonNode, StrongBox<int>> lines, string format)
    {
        Root = root;
        Location = location;
        _lines = lines;
        Format = format;
    }

    /// <summary>The document's content; null for an empty document (a lone <c>---</c>).</summary>
    public JsonNode? Root { get; }

    public SourceLocation Location { get; }

    /// <summary>"yaml" or "json": what the document was written in, so rewrites can keep it.</summary>
    public string Format { get; }

    public string? Kind => (Root as JsonObject)?["kind"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public string? ApiVersion => (Root as JsonObject)?["apiVersion"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Location of a node of this document (the document's own location when the node is unknown).</summary>
    public SourceLocation LocationOf(JsonNode? node) =>
        node is not null && _lines.TryGetValue(node, out var line) ? Location.AtLine(line.Value) : Location;

    public ManifestException Error(JsonNode? node, string message) => new(LocationOf(node), message);

    /// <summary>An item of this document's <c>items</c> list, as a document of its own located at file, document and item index.</summary>
    public ManifestDocument Item(JsonNode? item, int index) =>
        new(item, LocationOf(item) with { Item = index }, _lines, Format);
}
