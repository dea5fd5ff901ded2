using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Reads every document of a manifest file, YAML (<c>---</c> separated) or JSON (one or several
/// concatenated values, as kubectl accepts), into JSON nodes that remember their line.
/// </summary>
public static class ManifestReader
{
    public static IReadOnlyList<ManifestDocument> ReadFile(string path, string? displayName = null) =>
        Read(File.ReadAllBytes(path), displayName ?? path);

    public static IReadOnlyList<ManifestDocument> Read(string text, string sourceName) =>
        Read(Encoding.UTF8.GetBytes(text), sourceName);

    public static IReadOnlyList<ManifestDocument> Read(ReadOnlySpan<byte> content, string sourceName)
    {
        if (content.StartsWith(Encoding.UTF8.Preamble))
        {
            content = content[Encoding.UTF8.Preamble.Length..];
        }

        return LooksLikeJson(content) ? ReadJson(content, sourceName) : ReadYaml(content, sourceName);
    }

    /// <summary>The one document a file must hold; an error naming the file when it holds none or several.</summary>
    public static ManifestDocument ReadSingle(ReadOnlySpan<byte> content, string sourceName)
    {
        var documents = Read(content, sourceName).Where(d => d.Root is not null).ToList();
        return documents.Count switch
        {
            1 => documents[0],
            0 => throw new ManifestException(new SourceLocation(sourceName, 0, 0), "no document found"),
            _ => throw new ManifestException(new SourceLocation(sourceName, 1, 0), $"expected one document, found {documents.Count}"),
        };
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b is (byte)'{' or (byte)'[';
        }

        return false;
    }

    private static List<ManifestDocument> ReadYaml(ReadOnlySpan<byte> content, string sourceName)
    {
        var documents = new List<ManifestDocument>();
        var text = Encoding.UTF8.GetString(content);
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out var start))
            {
                var location = new SourceLocation(sourceName, documents.Count, (int)start.Start.Line);
                var builder = new YamlNodeBuilder(parser, location);
                var root = parser.Accept<DocumentEnd>(out _) ? null : builder.Build();
                parser.Consume<DocumentEnd>();
                documents.Add(new ManifestDocument(root, location, builder.Lines, "yaml"));
            }

            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            var location = new SourceLocation(sourceName, documents.Count, (int)e.Start.Line);
            throw new ManifestException(location, $"invalid YAML: {FirstSentence(e.Message)}");
        }
        catch (InvalidOperationException e) when (e.Source == typeof(Parser).Assembly.GetName().Name)
        {
            // YamlDotNet's scanner gives up on some malformed input (an unclosed flow sequence followed
            // by more lines) with an InvalidOperationException instead of a YamlException; it is still
            // bad input, so report it as one, at the last position the parser reached.
            var location = new SourceLocation(sourceName, documents.Count, (int)(parser.Current?.Start.Line ?? 0));
            throw new ManifestException(location, "invalid YAML: malformed content the parser could not read");
        }

        return documents;
    }

    private static string FirstSentence(string message)
    {
        // YamlDotNet prefixes positions we already print; keep its explanation only.
        var text = message.Contains("): ", StringComparison.Ordinal) ? message[(message.IndexOf("): ", StringComparison.Ordinal) + 3)..] : message;
        return text.Trim().TrimEnd('.');
    }

    private static List<ManifestDocument> ReadJson(ReadOnlySpan<byte> content, string sourceName)
    {
        var documents = new List<ManifestDocument>();
        var lineStarts = LineStarts(content);
        var reader = new Utf8JsonReader(content, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                var location = new SourceLocation(sourceName, documents.Count, LineOf(lineStarts, reader.TokenStartIndex));
                var lines = new ConditionalWeakTable<JsonNode, StrongBox<int>>();
                var root = ReadJsonValue(ref reader, lineStarts, lines);
                documents.Add(new ManifestDocument(root, location, lines, "json"));
            }
        }
        catch (JsonException e)
        {
            var location = new SourceLocation(sourceName, documents.Count, (int)(e.LineNumber ?? -1) + 1);
            throw new ManifestException(location, $"invalid JSON: {e.Message.Split(" LineNumber", 2)[0].Trim().TrimEnd('.')}");
        }

        return documents;
    }

    private static JsonNode? ReadJsonValue(ref Utf8JsonReader reader, List<long> lineStarts, ConditionalWeakTable<JsonNode, StrongBox<int>> lines)
    {
        var line = LineOf(lineStarts, reader.TokenStartIndex);
        JsonNode? node;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    var nameLine = LineOf(lineStarts, reader.TokenStartIndex);
                    reader.Read();
                    var child = ReadJsonValue(ref reader, lineStarts, lines);
                    if (obj.ContainsKey(name))
                    {
                        throw new JsonException($"duplicate key \"{name}\"", null, nameLine - 1, null);
                    }

                    obj[name] = child;
                }

                node = obj;
                break;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadJsonValue(ref reader, lineStarts, lines));
                }

                node = array;
                break;
            case JsonTokenType.String:
                node = JsonValue.Create(reader.GetString());
                break;
            case JsonTokenType.Number:
                // Out of double's range GetDouble gives an infinity, which no JSON writer accepts later;
                // Go's encoding/json (kubectl) refuses such a number too. The number is not quoted: it may be a value.
                node = reader.TryGetInt64(out var l) ? JsonValue.Create(l)
                    : double.IsFinite(reader.GetDouble()) ? JsonValue.Create(reader.GetDouble())
                    : throw new JsonException("a number is out of range", null, line - 1, null);
                break;
            case JsonTokenType.True:
            case JsonTokenType.False:
                node = JsonValue.Create(reader.GetBoolean());
                break;
            default:
                node = null;
                break;
        }

        if (node is not null)
        {
            lines.AddOrUpdate(node, new StrongBox<int>(line));
        }

        return node;
    }

    private static List<long> LineStarts(ReadOnlySpan<byte> content)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static int LineOf(List<long> lineStarts, long offset)
    {
        var index = lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    /// <summary>Builds JSON nodes from YAML parser events, resolving anchors and merge keys as kubectl does.</summary>
    private sealed class YamlNodeBuilder(IParser parser, SourceLocation location)
    {
        private const string StringTag = "tag:yaml.org,2002:str";
        private readonly Dictionary<string, JsonNode?> _anchors = new(StringComparer.Ordinal);

        public ConditionalWeakTable<JsonNode, StrongBox<int>> Lines { get; } = new();

        public JsonNode? Build()
        {
            var start = parser.Current!.Start;
            JsonNode? node;
            string? anchor = null;
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new ManifestException(location.AtLine((int)start.Line), $"unknown alias *{alias.Value.Value}");
                    }

                    return target?.DeepClone();
                case Scalar scalar:
                    parser.MoveNext();
                    anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                    // Only plain scalars are typed; quoted and block scalars, and !!str, are always strings.
                    node = scalar.Style == ScalarStyle.Plain && (scalar.Tag.IsEmpty || scalar.Tag.Value != StringTag)
                        ? YamlScalars.Resolve(scalar.Value)
                        : JsonValue.Create(scalar.Value);
                    break;
                case SequenceStart sequenceStart:
                    parser.MoveNext();
                    anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
                    var array = new JsonArray();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        array.Add(Build());
                    }

                    node = array;
                    break;
                case MappingStart mappingStart:
                    parser.MoveNext();
                    anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
                    node = BuildMapping();
                    break;
                default:
                    throw new ManifestException(location.AtLine((int)start.Line), $"unexpected YAML {parser.Current?.GetType().Name}");
            }

            if (node is not null)
            {
                Lines.AddOrUpdate(node, new StrongBox<int>((int)start.Line));
            }

            if (anchor is not null)
            {
                _anchors[anchor] = node;
            }

            return node;
        }

        private JsonObject BuildMapping()
        {
            var obj = new JsonObject();
            var merged = new List<JsonObject>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current!.Start;

                // Only a plain << is a merge key (YAML 1.1, go-yaml); a quoted "<<" is an ordinary key.
                var plainKey = parser.Current is Scalar { Style: ScalarStyle.Plain };
                var keyNode = Build();
                var key = keyNode switch
                {
                    null => "null",
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonValue v => v.ToJsonString(),
                    _ => throw new ManifestException(location.AtLine((int)keyStart.Line), "a mapping key must be a scalar"),
                };
                var value = Build();
                if (key == "<<" && plainKey)
                {
                    merged.AddRange(value switch
                    {
                        JsonObject m => [m],
                        JsonArray a => a.OfType<JsonObject>(),
                        _ => throw new ManifestException(location.AtLine((int)keyStart.Line), "a merge key (<<) must refer to a mapping"),
                    });
                    continue;
                }

                if (obj.ContainsKey(key))
                {
                    throw new ManifestException(location.AtLine((int)keyStart.Line), $"duplicate key \"{key}\"");
                }

                obj[key] = value;
            }

            foreach (var source in merged)
            {
                foreach (var (key, value) in source)
                {
                    if (!obj.ContainsKey(key))
                    {
                        obj[key] = value?.DeepClone();
                    }
                }
            }

            return obj;
        }
    }
}
