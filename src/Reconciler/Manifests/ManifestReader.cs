using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Reads every document of a manifest file, YAML (<c>---</c> separated) or JSON (one or several
/// concatenated values, as kubectl accepts), into JSON nodes that remember their line.
/// </summary>
public static class ManifestReader
{
    /// <summary>A file's documents; the file is read only up to <see cref="ManifestLimits.MaxFileBytes"/>.</summary>
    public static IReadOnlyList<ManifestDocument> ReadFile(string path, string? displayName = null, ManifestLimits? limits = null)
    {
        limits ??= ManifestLimits.Default;
        return Read(BoundedInput.ReadFile(path, limits.MaxFileBytes, displayName ?? path), displayName ?? path, limits);
    }

    public static IReadOnlyList<ManifestDocument> Read(string text, string sourceName, ManifestLimits? limits = null) =>
        Read(Encoding.UTF8.GetBytes(text), sourceName, limits);

    /// <summary>
    /// Every document of the content, within <paramref name="limits"/> (the defaults when null): a
    /// violation, invalid UTF-8 or a syntax error is one <see cref="ManifestException"/> naming the
    /// file, the document and (for a limit) its name. Nothing else escapes, whatever the input.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> Read(ReadOnlySpan<byte> content, string sourceName, ManifestLimits? limits = null)
    {
        limits ??= ManifestLimits.Default;
        if (content.Length > limits.MaxFileBytes)
        {
            throw BoundedInput.TooLarge(sourceName, limits.MaxFileBytes);
        }

        if (content.StartsWith(Encoding.UTF8.Preamble))
        {
            content = content[Encoding.UTF8.Preamble.Length..];
        }

        var documents = LooksLikeJson(content) ? ReadJson(content, sourceName, limits) : ReadYaml(content, sourceName, limits);
        StrictUtf8.Check(content, sourceName, documents);
        return documents;
    }

    /// <summary>The one document a file must hold; an error naming the file when it holds none or several.</summary>
    public static ManifestDocument ReadSingle(ReadOnlySpan<byte> content, string sourceName, ManifestLimits? limits = null)
    {
        var documents = Read(content, sourceName, limits).Where(d => d.Root is not null).ToList();
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

    private static List<ManifestDocument> ReadYaml(ReadOnlySpan<byte> content, string sourceName, ManifestLimits limits)
    {
        var documents = new List<ManifestDocument>();
        var text = Encoding.UTF8.GetString(content);
        var parser = new Parser(new StringReader(text));
        var nodes = new NodeBudget(limits);
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out var start))
            {
                var location = new SourceLocation(sourceName, documents.Count, (int)start.Start.Line);
                if (documents.Count >= limits.MaxDocuments)
                {
                    throw Limit(location, $"documents in the file exceed the limit of {limits.MaxDocuments}", nameof(ManifestLimits.MaxDocuments));
                }

                var builder = new YamlNodeBuilder(parser, location, limits, nodes, start.Start.Index);
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
        catch (Exception e) when (e is InvalidOperationException or ArgumentException && e.Source == typeof(Parser).Assembly.GetName().Name)
        {
            // YamlDotNet's scanner gives up on some malformed input with an InvalidOperationException (an
            // unclosed flow sequence followed by more lines) or an ArgumentException (a tag such as
            // `!!bin[py` that is not a valid URI) instead of a YamlException; it is still bad input, so
            // report it as one, at the last position the parser reached.
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

    private static List<ManifestDocument> ReadJson(ReadOnlySpan<byte> content, string sourceName, ManifestLimits limits)
    {
        var documents = new List<ManifestDocument>();
        var lineStarts = LineStarts(content);

        // One level more than ours, so our own check (which names the limit) always comes first.
        var reader = new Utf8JsonReader(content, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = limits.MaxDepth + 1 });
        var json = new JsonLimits(limits, new NodeBudget(limits), lineStarts);
        try
        {
            while (reader.Read())
            {
                var location = new SourceLocation(sourceName, documents.Count, LineOf(lineStarts, reader.TokenStartIndex));
                if (documents.Count >= limits.MaxDocuments)
                {
                    throw Limit(location, $"documents in the file exceed the limit of {limits.MaxDocuments}", nameof(ManifestLimits.MaxDocuments));
                }

                var lines = new ConditionalWeakTable<JsonNode, StrongBox<int>>();
                var root = ReadJsonValue(ref reader, json with { Location = location }, lines);
                documents.Add(new ManifestDocument(root, location, lines, "json"));
            }
        }
        catch (JsonException e)
        {
            // Bytes that are not UTF-8 outside a string stop the reader with a syntax error; name the real fault.
            StrictUtf8.Check(content, sourceName, documents.Count);
            var location = new SourceLocation(sourceName, documents.Count, (int)(e.LineNumber ?? -1) + 1);
            throw new ManifestException(location, $"invalid JSON: {e.Message.Split(" LineNumber", 2)[0].Trim().TrimEnd('.')}");
        }
        catch (InvalidOperationException)
        {
            // GetString refuses a string that is not UTF-8 with an InvalidOperationException.
            StrictUtf8.Check(content, sourceName, documents.Count);
            throw new ManifestException(new SourceLocation(sourceName, documents.Count, 0), "invalid JSON: a string the reader could not decode");
        }

        return documents;
    }

    private static JsonNode? ReadJsonValue(ref Utf8JsonReader reader, JsonLimits json, ConditionalWeakTable<JsonNode, StrongBox<int>> lines)
    {
        var lineStarts = json.LineStarts;
        var line = LineOf(lineStarts, reader.TokenStartIndex);
        json.Nodes.Add(1, json.Location.AtLine(line));
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth + 1 > json.Limits.MaxDepth)
        {
            throw DepthExceeded(json.Location.AtLine(line), json.Limits);
        }

        JsonNode? node;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = json.String(ref reader, line);
                    var nameLine = LineOf(lineStarts, reader.TokenStartIndex);
                    reader.Read();
                    var child = ReadJsonValue(ref reader, json, lines);
                    if (obj.ContainsKey(name))
                    {
                        throw new JsonException($"duplicate key \"{name}\"", null, nameLine - 1, null);
                    }

                    if (obj.Count >= json.Limits.MaxKeysPerMap)
                    {
                        throw KeysExceeded(json.Location.AtLine(nameLine), json.Limits);
                    }

                    obj[name] = child;
                }

                node = obj;
                break;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadJsonValue(ref reader, json, lines));
                }

                node = array;
                break;
            case JsonTokenType.String:
                node = JsonValue.Create(json.String(ref reader, line));
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

    private static ManifestException Limit(SourceLocation location, string message, string limitName) =>
        new(location, $"{message} ({limitName})");

    private static ManifestException DepthExceeded(SourceLocation location, ManifestLimits limits) =>
        Limit(location, $"nesting exceeds the limit of {limits.MaxDepth} levels", nameof(ManifestLimits.MaxDepth));

    private static ManifestException KeysExceeded(SourceLocation location, ManifestLimits limits) =>
        Limit(location, $"a mapping's keys exceed the limit of {limits.MaxKeysPerMap}", nameof(ManifestLimits.MaxKeysPerMap));

    private static void CheckScalar(int length, SourceLocation location, ManifestLimits limits)
    {
        if (length > limits.MaxScalarChars)
        {
            throw Limit(location, $"a scalar of {length} characters exceeds the limit of {limits.MaxScalarChars}", nameof(ManifestLimits.MaxScalarChars));
        }
    }

    /// <summary>Nodes built for one file, aliases expanded: what bounds the memory of its parsed form.</summary>
    private sealed class NodeBudget(ManifestLimits limits)
    {
        public long Count { get; private set; }

        public void Add(long nodes, SourceLocation location)
        {
            Count += nodes;
            if (Count > limits.MaxNodes)
            {
                throw Limit(location, $"nodes in the file exceed the limit of {limits.MaxNodes}", nameof(ManifestLimits.MaxNodes));
            }
        }
    }

    /// <summary>What one JSON file's reading needs besides the reader: limits, the node budget, line starts, and the document read.</summary>
    private sealed record JsonLimits(ManifestLimits Limits, NodeBudget Nodes, List<long> LineStarts)
    {
        public SourceLocation Location { get; init; } = new(string.Empty, 0, 0);

        public string String(ref Utf8JsonReader reader, int line)
        {
            // The escaped length is an upper bound of the decoded one: refuse before allocating a string.
            var escaped = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (escaped > Limits.MaxScalarChars)
            {
                var text = reader.GetString()!;
                CheckScalar(text.Length, Location.AtLine(line), Limits);
                return text;
            }

            return reader.GetString()!;
        }
    }

    /// <summary>
    /// Builds JSON nodes from YAML parser events, resolving anchors and merge keys as kubectl does, within
    /// the limits: depth is checked before each level is entered (so YamlDotNet never scans deeper than
    /// the limit), and an alias is measured before it is copied (so a "billion laughs" costs nothing).
    /// </summary>
    private sealed class YamlNodeBuilder(IParser parser, SourceLocation location, ManifestLimits limits, NodeBudget budget, long documentStart)
    {
        private const string StringTag = "tag:yaml.org,2002:str";
        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);

        /// <summary>Nodes (go-yaml's decode operations) of this document, aliases expanded.</summary>
        private long _nodes;

        /// <summary>Of those, the ones that came from aliases.</summary>
        private long _aliasNodes;

        /// <summary>Nodes plus scalar characters of this document, aliases expanded: its size once copied.</summary>
        private long _weight;

        /// <summary>What aliases added to <see cref="_weight"/>.</summary>
        private long _aliasWeight;

        private int _aliases;

        /// <summary>The deepest collection level reached by the node being built.</summary>
        private int _deepest;

        public ConditionalWeakTable<JsonNode, StrongBox<int>> Lines { get; } = new();

        public JsonNode? Build() => Build(depth: 1);

        private JsonNode? Build(int depth)
        {
            var start = parser.Current!.Start;
            var at = location.AtLine((int)start.Line);
            var (nodesBefore, weightBefore, deepestBefore) = (_nodes, _weight, _deepest);
            _deepest = depth - 1;
            JsonNode? node;
            string? anchor = null;
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new ManifestException(at, $"unknown alias *{alias.Value.Value}");
                    }

                    Expand(target, depth, start, at);
                    _deepest = Math.Max(deepestBefore, _deepest);
                    return target.Node?.DeepClone();
                case Scalar scalar:
                    parser.MoveNext();
                    CheckScalar(scalar.Value.Length, at, limits);
                    Count(1 + scalar.Value.Length, at);
                    anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                    // Only plain scalars are typed; quoted and block scalars, and !!str, are always strings.
                    node = scalar.Style == ScalarStyle.Plain && (scalar.Tag.IsEmpty || scalar.Tag.Value != StringTag)
                        ? YamlScalars.Resolve(scalar.Value)
                        : JsonValue.Create(scalar.Value);
                    break;
                case SequenceStart sequenceStart:
                    Enter(depth, at);
                    parser.MoveNext();
                    anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
                    var array = new JsonArray();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        array.Add(Build(depth + 1));
                    }

                    node = array;
                    break;
                case MappingStart mappingStart:
                    Enter(depth, at);
                    parser.MoveNext();
                    anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
                    node = BuildMapping(depth);
                    break;
                default:
                    throw new ManifestException(at, $"unexpected YAML {parser.Current?.GetType().Name}");
            }

            if (node is not null)
            {
                Lines.AddOrUpdate(node, new StrongBox<int>((int)start.Line));
            }

            if (anchor is not null)
            {
                _anchors[anchor] = new Anchored(node, _nodes - nodesBefore, _weight - weightBefore, Math.Max(0, _deepest - depth + 1));
            }

            _deepest = Math.Max(deepestBefore, _deepest);
            return node;
        }

        /// <summary>A mapping or sequence at this level: refused past the depth limit, before the parser reads any deeper.</summary>
        private void Enter(int depth, SourceLocation at)
        {
            if (depth > limits.MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw DepthExceeded(at, limits);
            }

            _deepest = Math.Max(_deepest, depth);
            Count(1, at);
        }

        private void Count(long weight, SourceLocation at)
        {
            _nodes++;
            _weight += weight;
            budget.Add(1, at);
        }

        /// <summary>Accounts for a copy of an anchored node at this level, refusing it before anything is copied.</summary>
        private void Expand(Anchored target, int depth, Mark start, SourceLocation at)
        {
            if (++_aliases > limits.MaxAliases)
            {
                throw Limit(at, $"aliases exceed the limit of {limits.MaxAliases}", nameof(ManifestLimits.MaxAliases));
            }

            if (target.Height > 0 && depth + target.Height - 1 > limits.MaxDepth)
            {
                throw DepthExceeded(at, limits);
            }

            _deepest = Math.Max(_deepest, depth + target.Height - 1);

            // The alias node itself, then its target's nodes (go-yaml counts both as decode operations).
            _nodes += 1 + target.Nodes;
            _aliasNodes += target.Nodes;
            _weight += 1 + target.Weight;
            _aliasWeight += target.Weight;
            budget.Add(1 + target.Nodes, at);
            var read = Math.Max(1, start.Index - documentStart);
            if (GoYamlAliasRule.IsExcessive(_nodes, _aliasNodes))
            {
                throw Limit(at, "document contains excessive aliasing", "go-yaml's alias ratio");
            }

            if (_aliasWeight > (long)limits.MaxAliasExpansion * read)
            {
                throw Limit(at, $"document contains excessive aliasing: aliases expand it past the limit of {limits.MaxAliasExpansion} times its size", nameof(ManifestLimits.MaxAliasExpansion));
            }
        }

        private JsonObject BuildMapping(int depth)
        {
            var obj = new JsonObject();
            var merged = new List<JsonObject>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current!.Start;
                var keyAt = location.AtLine((int)keyStart.Line);

                // Only a plain << is a merge key (YAML 1.1, go-yaml); a quoted "<<" is an ordinary key.
                var plainKey = parser.Current is Scalar { Style: ScalarStyle.Plain };
                var keyNode = Build(depth + 1);
                var key = keyNode switch
                {
                    null => "null",
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonValue v => v.ToJsonString(),
                    _ => throw new ManifestException(keyAt, "a mapping key must be a scalar"),
                };
                var value = Build(depth + 1);
                if (key == "<<" && plainKey)
                {
                    merged.AddRange(value switch
                    {
                        JsonObject m => [m],
                        JsonArray a => a.OfType<JsonObject>(),
                        _ => throw new ManifestException(keyAt, "a merge key (<<) must refer to a mapping"),
                    });
                    continue;
                }

                if (obj.ContainsKey(key))
                {
                    throw new ManifestException(keyAt, $"duplicate key \"{key}\"");
                }

                if (obj.Count >= limits.MaxKeysPerMap)
                {
                    throw KeysExceeded(keyAt, limits);
                }

                obj[key] = value;
            }

            foreach (var source in merged)
            {
                foreach (var (key, value) in source)
                {
                    if (!obj.ContainsKey(key))
                    {
                        if (obj.Count >= limits.MaxKeysPerMap)
                        {
                            throw KeysExceeded(location, limits);
                        }

                        // Copied: the merged mapping may be an anchor that later aliases copy again. Its
                        // size was counted when it was built or expanded, so this copy is bounded too.
                        obj[key] = value?.DeepClone();
                    }
                }
            }

            return obj;
        }

        /// <summary>An anchored node and its size, so an alias is measured before it is copied.</summary>
        /// <param name="Nodes">Nodes of the subtree, aliases inside it expanded.</param>
        /// <param name="Weight">Nodes plus scalar characters of the subtree.</param>
        /// <param name="Height">Collection levels of the subtree (0 for a scalar).</param>
        private sealed record Anchored(JsonNode? Node, long Nodes, long Weight, int Height);
    }
}
