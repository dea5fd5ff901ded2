using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Rewrites string values of a YAML or JSON manifest file in place: replace the value at a key path,
/// add a key (creating missing mappings with the file's own indentation), or remove one. Every other
/// byte stays as it was: other documents, key order, comments, anchors, quoting, indentation, CRLF.
/// The result is checked by reading it back: it must hold exactly the intended documents, or
/// <see cref="Apply"/> throws and the caller writes nothing.
/// </summary>
public sealed class ManifestRewriter(byte[] content, string sourceName)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<ManifestEdit> _edits = [];

    public int EditCount => _edits.Count;

    /// <summary>Sets the string at <paramref name="path"/> of document <paramref name="document"/> (zero-based), adding keys as needed.</summary>
    public ManifestRewriter Set(int document, IReadOnlyList<string> path, string value)
    {
        ArgumentOutOfRangeException.ThrowIfZero(path.Count);
        _edits.Add(new ManifestEdit(document, [.. path], value, Remove: false));
        return this;
    }

    /// <summary>
    /// Sets the string at <paramref name="path"/> of the document <paramref name="where"/> locates: a whole
    /// document, or one item of a List (<see cref="SourceLocation.Item"/>), as <see cref="ManifestDocument.Item"/> made it.
    /// </summary>
    public ManifestRewriter Set(SourceLocation where, IReadOnlyList<string> path, string value)
    {
        ArgumentOutOfRangeException.ThrowIfZero(path.Count);
        _edits.Add(new ManifestEdit(where.Document, [.. path], value, Remove: false) { Item = where.Item });
        return this;
    }

    /// <summary>Removes the key at <paramref name="path"/> (nothing happens when it is absent).</summary>
    public ManifestRewriter Remove(int document, IReadOnlyList<string> path)
    {
        ArgumentOutOfRangeException.ThrowIfZero(path.Count);
        _edits.Add(new ManifestEdit(document, [.. path], null, Remove: true));
        return this;
    }

    /// <summary>The rewritten file. Throws <see cref="ManifestException"/> when an edit cannot be made exactly.</summary>
    public byte[] Apply()
    {
        var preamble = content.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        string text;
        try
        {
            text = StrictUtf8.GetString(content, preamble, content.Length - preamble);
        }
        catch (DecoderFallbackException)
        {
            throw new ManifestException(new SourceLocation(sourceName, 0, 0), "not valid UTF-8; not rewritten");
        }

        var original = ManifestReader.Read(content, sourceName);
        var intended = Intended(original);
        var json = original.Count > 0 && original[0].Format == "json";
        var edits = _edits;

        try
        {
            // Replacing existing values never moves a key, so all of them go in one pass over one parse;
            // edits that add or remove keys follow one at a time, each on a fresh parse.
            var editor = new SpanEditor(text, Parse(text, json), json, sourceName);
            var structural = new List<ManifestEdit>();
            var splices = new List<Splice>();
            var replaced = new HashSet<int>();
            foreach (var edit in edits)
            {
                if (editor.TryReplace(edit) is { } splice && replaced.Add(splice.Start))
                {
                    splices.Add(splice);
                }
                else
                {
                    structural.Add(edit);
                }
            }

            text = TextOps.Apply(text, splices);

            // Structural edits of different documents cannot interact: each round takes the next edit of
            // every document and plans them all on one parse (a file of many documents is parsed a few
            // times, not once per edit).
            var queues = structural.GroupBy(e => e.Document).Select(g => new Queue<ManifestEdit>(g)).ToList();
            while (queues.Any(q => q.Count > 0))
            {
                var round = queues.Where(q => q.Count > 0).Select(q => q.Dequeue()).ToList();
                var roundEditor = new SpanEditor(text, Parse(text, json), json, sourceName);
                text = TextOps.Apply(text, round.Select(roundEditor.Structural).OfType<Splice>().ToList());
            }
        }
        catch (YamlException e)
        {
            throw new ManifestException(new SourceLocation(sourceName, 0, (int)e.Start.Line), $"cannot rewrite: {e.Message}");
        }

        var result = new byte[preamble + StrictUtf8.GetByteCount(text)];
        content.AsSpan(0, preamble).CopyTo(result);
        StrictUtf8.GetBytes(text, result.AsSpan(preamble));
        Verify(result, intended, json);
        return result;
    }

    private static List<SpanNode?> Parse(string text, bool json) =>
        json ? SpanParsers.Json(Encoding.UTF8.GetBytes(text), 0) : SpanParsers.Yaml(text);

    private List<JsonNode?> Intended(IReadOnlyList<ManifestDocument> documents)
    {
        var roots = documents.Select(d => d.Root?.DeepClone()).ToList();
        foreach (var edit in _edits)
        {
            if (edit.Document < 0 || edit.Document >= roots.Count || roots[edit.Document] is not JsonObject document
                || (edit.Item is { } item ? (document["items"] as JsonArray)?.ElementAtOrDefault(item) : document) is not JsonObject root)
            {
                throw new ManifestException(new SourceLocation(sourceName, edit.Document, 0), $"cannot set {edit.PathText}: no such mapping document");
            }

            JsonObject? node = root;
            for (var i = 0; i < edit.Path.Count - 1 && node is not null; i++)
            {
                var child = node[edit.Path[i]];
                if (child is null)
                {
                    if (edit.Remove)
                    {
                        node = null;
                        break;
                    }

                    child = new JsonObject();
                    node[edit.Path[i]] = child;
                }

                node = child as JsonObject ?? throw new ManifestException(new SourceLocation(sourceName, edit.Document, 0), $"{string.Join('.', edit.Path.Take(i + 1))} is not a mapping");
            }

            if (edit.Remove)
            {
                node?.Remove(edit.Path[^1]);
            }
            else if (node is not null)
            {
                node[edit.Path[^1]] = edit.Value;
            }
        }

        return roots;
    }

    private void Verify(byte[] result, List<JsonNode?> intended, bool json)
    {
        IReadOnlyList<ManifestDocument> actual;
        try
        {
            actual = ManifestReader.Read(result, sourceName);
        }
        catch (ManifestException e)
        {
            throw new ManifestException($"{sourceName}: the rewrite would not parse ({e.Reason}); file left unchanged", e);
        }

        if (actual.Count != intended.Count || (actual.Count > 0 && (actual[0].Format == "json") != json))
        {
            throw new ManifestException($"{sourceName}: the rewrite would change the documents of the file; file left unchanged");
        }

        for (var i = 0; i < intended.Count; i++)
        {
            if (!JsonNode.DeepEquals(actual[i].Root, intended[i]))
            {
                throw new ManifestException(new SourceLocation(sourceName, i, 0), "the rewrite would not give the intended content; file left unchanged");
            }
        }
    }
}
