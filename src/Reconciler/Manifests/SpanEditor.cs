using System.Text;

namespace GitOpsSecrets.Manifests;

/// <summary>One edit of a document: set a string at a key path (replacing or adding), or remove a key.</summary>
/// <remarks><see cref="Item"/>, when set, makes the path relative to <c>items[Item]</c> of a List document.</remarks>
internal sealed record ManifestEdit(int Document, IReadOnlyList<string> Path, string? Value, bool Remove)
{
    public int? Item { get; init; }

    public string PathText => (Item is { } item ? $"items[{item}]." : string.Empty) + string.Join('.', Path);
}

/// <summary>
/// Turns edits into splices of the file's text using the span tree of the documents: a value is
/// replaced in its own style, a new key goes after the mapping's last entry with the mapping's own
/// indentation (or, in JSON and flow mappings, its own separators), a removed key takes its line.
/// </summary>
internal sealed class SpanEditor(string text, IReadOnlyList<SpanNode?> documents, bool json, string sourceName)
{
    private readonly string _newLine = TextOps.NewLine(text);

    /// <summary>A splice that replaces an existing scalar value, or null when the edit changes structure.</summary>
    public Splice? TryReplace(ManifestEdit edit)
    {
        if (edit.Remove)
        {
            return null;
        }

        var found = Navigate(edit);
        return found is { Entry: { Value: ScalarSpan scalar } entry } && !scalar.IsEmptyPlain ? ReplaceScalar(edit, entry, scalar) : null;
    }

    /// <summary>The splice for an edit that adds or removes keys (or fills a null value); null when there is nothing to do.</summary>
    public Splice? Structural(ManifestEdit edit)
    {
        var found = Navigate(edit);
        if (edit.Remove)
        {
            return found.Entry is null ? null : RemoveEntry(edit, found.Mapping!, found.Entry);
        }

        if (found.Entry is { Value: ScalarSpan scalar } entry)
        {
            return scalar.IsEmptyPlain ? FillNull(entry, [], edit.Value!) : ReplaceScalar(edit, entry, scalar);
        }

        if (found.NullEntry is { } nullEntry)
        {
            return FillNull(nullEntry, edit.Path.Skip(found.Depth).ToArray(), edit.Value!);
        }

        return Insert(edit, found.Mapping!, edit.Path.Skip(found.Depth).ToArray(), edit.Value!);
    }

    private sealed record Navigation(MappingSpan? Mapping, EntrySpan? Entry, int Depth, EntrySpan? NullEntry);

    private Navigation Navigate(ManifestEdit edit)
    {
        if (edit.Document < 0 || edit.Document >= documents.Count)
        {
            throw Error(edit, $"no document {edit.Document + 1}");
        }

        var node = Root(edit);
        EntrySpan? parent = null;
        for (var depth = 0; depth < edit.Path.Count; depth++)
        {
            if (node is not MappingSpan mapping)
            {
                if (node is ScalarSpan { IsEmptyPlain: true } && parent is not null && !json)
                {
                    return new Navigation(null, null, depth, parent);
                }

                throw Error(edit, depth == 0 ? "the document is not a mapping" : $"{string.Join('.', edit.Path.Take(depth))} is not a mapping");
            }

            var entry = mapping.Find(edit.Path[depth]);
            if (entry is null || depth == edit.Path.Count - 1)
            {
                return new Navigation(mapping, entry, depth, null);
            }

            parent = entry;
            node = entry.Value;
        }

        throw Error(edit, "an empty path");
    }

    /// <summary>The node an edit's path starts from: its document, or the List item it names.</summary>
    private SpanNode? Root(ManifestEdit edit)
    {
        var document = documents[edit.Document];
        if (edit.Item is not { } item)
        {
            return document;
        }

        return (document as MappingSpan)?.Find("items")?.Value is SequenceSpan sequence && item >= 0 && item < sequence.Items.Count
            ? sequence.Items[item]
            : throw Error(edit, $"no items[{item}] in the document");
    }

    private Splice ReplaceScalar(ManifestEdit edit, EntrySpan entry, ScalarSpan scalar)
    {
        if (scalar.HasProperties)
        {
            throw Error(edit, $"{edit.PathText} carries a YAML anchor or tag; it is not rewritten automatically");
        }

        var value = edit.Value!;
        var end = TextOps.TrimEnd(text, scalar.Start, scalar.End);
        var replacement = scalar.Kind switch
        {
            ScalarKind.Json => ScalarText.Json(value),
            ScalarKind.Literal or ScalarKind.Folded => ScalarText.Block(text, scalar.Start, end, value, TextOps.Column(text, entry.KeyNode.Start) + Step(edit), _newLine) ?? ScalarText.DoubleQuoted(value),
            ScalarKind.SingleQuoted => ScalarText.SingleQuoted(value),
            ScalarKind.DoubleQuoted => ScalarText.DoubleQuoted(value),
            _ => ScalarText.YamlPlainOrQuoted(value, scalar.InFlow),
        };
        return new Splice(scalar.Start, end, replacement);
    }

    /// <summary><c>key:</c> with no value: put the value (or a new block mapping) right after the colon.</summary>
    private Splice FillNull(EntrySpan entry, string[] remaining, string value)
    {
        var colon = text.IndexOf(':', ContentEnd(entry.KeyNode));
        var inFlow = entry.Value is ScalarSpan { InFlow: true };
        string inserted;
        if (remaining.Length == 0)
        {
            inserted = " " + ScalarText.YamlPlainOrQuoted(value, inFlow);
        }
        else if (inFlow)
        {
            inserted = " " + FlowEntries(remaining, value).Insert(0, "{") + "}";
        }
        else
        {
            var indent = TextOps.Column(text, entry.KeyNode.Start) + Step(-1);
            inserted = _newLine + BlockEntries(remaining, value, indent);
        }

        return new Splice(colon + 1, colon + 1, inserted);
    }

    private Splice Insert(ManifestEdit edit, MappingSpan mapping, string[] remaining, string value)
    {
        if (json)
        {
            return InsertJson(edit, mapping, remaining, value);
        }

        if (mapping.Flow)
        {
            return mapping.Entries.Count == 0
                ? new Splice(mapping.Start + 1, mapping.CloseStart, FlowEntries(remaining, value).ToString())
                : Insertion(ContentEnd(mapping.Entries[^1]), ", " + FlowEntries(remaining, value));
        }

        var indent = TextOps.Column(text, mapping.Entries[0].KeyNode.Start);
        var after = TextOps.LineEnd(text, ContentEnd(mapping.Entries[^1]));
        return Insertion(after, _newLine + BlockEntries(remaining, value, indent, edit));
    }

    private Splice InsertJson(ManifestEdit edit, MappingSpan mapping, string[] remaining, string value)
    {
        if (mapping.Entries.Count == 0)
        {
            return new Splice(mapping.Start + 1, mapping.CloseStart, CompactJsonEntries(remaining, value, ": "));
        }

        var first = mapping.Entries[0];
        var separator = text[ContentEnd(first.KeyNode)..first.Value.Start];
        var multiLine = text.AsSpan(mapping.Start, first.KeyNode.Start - mapping.Start).Contains('\n');
        var end = ContentEnd(mapping.Entries[^1]);
        if (!multiLine)
        {
            return Insertion(end, "," + CompactJsonEntries(remaining, value, separator));
        }

        var indent = text[TextOps.LineStart(text, first.KeyNode.Start)..first.KeyNode.Start];
        return Insertion(end, "," + _newLine + indent + IndentedJsonEntries(remaining, value, separator, indent, JsonStep(edit)));
    }

    private string BlockEntries(string[] keys, string value, int indent, ManifestEdit? edit = null)
    {
        var output = new StringBuilder();
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0)
            {
                output.Append(_newLine);
            }

            output.Append(' ', indent + (i * (edit is null ? Step(-1) : Step(edit)))).Append(ScalarText.YamlPlainOrQuoted(keys[i], inFlow: false)).Append(':');
        }

        return output.Append(' ').Append(ScalarText.YamlPlainOrQuoted(value, inFlow: false)).ToString();
    }

    private static StringBuilder FlowEntries(string[] keys, string value)
    {
        var output = new StringBuilder();
        for (var i = 0; i < keys.Length; i++)
        {
            output.Append(i > 0 ? "{" : string.Empty).Append(ScalarText.YamlPlainOrQuoted(keys[i], inFlow: true)).Append(": ");
        }

        return output.Append(ScalarText.YamlPlainOrQuoted(value, inFlow: true)).Append('}', keys.Length - 1);
    }

    private static string CompactJsonEntries(string[] keys, string value, string separator)
    {
        var output = new StringBuilder();
        for (var i = 0; i < keys.Length; i++)
        {
            output.Append(i > 0 ? "{" : string.Empty).Append(ScalarText.Json(keys[i])).Append(separator);
        }

        return output.Append(ScalarText.Json(value)).Append('}', keys.Length - 1).ToString();
    }

    private string IndentedJsonEntries(string[] keys, string value, string separator, string indent, string step)
    {
        var output = new StringBuilder().Append(ScalarText.Json(keys[0])).Append(separator);
        if (keys.Length == 1)
        {
            return output.Append(ScalarText.Json(value)).ToString();
        }

        return output.Append('{').Append(_newLine).Append(indent).Append(step)
            .Append(IndentedJsonEntries(keys[1..], value, separator, indent + step, step))
            .Append(_newLine).Append(indent).Append('}').ToString();
    }

    private Splice RemoveEntry(ManifestEdit edit, MappingSpan mapping, EntrySpan entry)
    {
        var index = mapping.Entries.IndexOf(entry);
        if (json || mapping.Flow)
        {
            if (mapping.Entries.Count == 1)
            {
                return new Splice(mapping.Start + 1, mapping.CloseStart, string.Empty);
            }

            return index > 0
                ? new Splice(ContentEnd(mapping.Entries[index - 1]), ContentEnd(entry), string.Empty)
                : new Splice(entry.KeyNode.Start, mapping.Entries[1].KeyNode.Start, string.Empty);
        }

        if (mapping.Entries.Count == 1 || !TextOps.FirstOnLine(text, entry.KeyNode.Start))
        {
            throw Error(edit, $"cannot remove {edit.PathText}: it is the only key of its mapping or shares its line");
        }

        return new Splice(TextOps.LineStart(text, entry.KeyNode.Start), TextOps.NextLineStart(text, ContentEnd(entry)), string.Empty);
    }

    private static Splice Insertion(int at, string inserted) => new(at, at, inserted);

    private int ContentEnd(EntrySpan entry) => ContentEnd(entry.Value) is var end && end >= 0 ? end : ContentEnd(entry.KeyNode);

    /// <summary>One past the node's last meaningful character (block scalars' trailing breaks excluded); -1 for an empty scalar.</summary>
    private int ContentEnd(SpanNode node) => node switch
    {
        ScalarSpan { IsEmptyPlain: true } => -1,
        ScalarSpan scalar => TextOps.TrimEnd(text, scalar.Start, scalar.End),
        MappingSpan { Flow: true } or SequenceSpan { Flow: true } => node.End,
        MappingSpan { Entries.Count: > 0 } mapping => ContentEnd(mapping.Entries[^1]),
        SequenceSpan { Items.Count: > 0 } sequence => ContentEnd(sequence.Items[^1]) is var end && end >= 0 ? end : sequence.Items[^1].Start,
        _ => node.End,
    };

    /// <summary>How far a nested block mapping is indented where an edit goes: its List item, else its document.</summary>
    private int Step(ManifestEdit edit) => (edit.Item is null ? null : FindStep(Root(edit))) ?? Step(edit.Document);

    /// <summary>How far a nested block mapping is indented in this document (2 when nothing shows it).</summary>
    private int Step(int document)
    {
        foreach (var root in document >= 0 ? [documents[document]] : documents)
        {
            if (FindStep(root) is { } step)
            {
                return step;
            }
        }

        return 2;
    }

    private int? FindStep(SpanNode? node)
    {
        if (node is not MappingSpan { Flow: false, Entries.Count: > 0 } mapping)
        {
            return null;
        }

        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is MappingSpan { Flow: false, Entries.Count: > 0 } child)
            {
                var step = TextOps.Column(text, child.Entries[0].KeyNode.Start) - TextOps.Column(text, mapping.Entries[0].KeyNode.Start);
                if (step > 0)
                {
                    return step;
                }
            }

            if (FindStep(entry.Value) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private string JsonStep(ManifestEdit edit) => (edit.Item is null ? null : FindJsonStep(Root(edit))) ?? FindJsonStep(documents[edit.Document]) ?? "  ";

    private string? FindJsonStep(SpanNode? node)
    {
        if (node is not MappingSpan { Entries.Count: > 0 } mapping)
        {
            return null;
        }

        var parentIndent = text[TextOps.LineStart(text, mapping.Entries[0].KeyNode.Start)..mapping.Entries[0].KeyNode.Start];
        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is MappingSpan { Entries.Count: > 0 } child)
            {
                var start = child.Entries[0].KeyNode.Start;
                var childIndent = text[TextOps.LineStart(text, start)..start];
                if (childIndent.Length > parentIndent.Length && childIndent.StartsWith(parentIndent, StringComparison.Ordinal) && childIndent.All(char.IsWhiteSpace))
                {
                    return childIndent[parentIndent.Length..];
                }
            }
        }

        return null;
    }

    private ManifestException Error(ManifestEdit edit, string message) =>
        new(new SourceLocation(sourceName, edit.Document, 0), message);
}
