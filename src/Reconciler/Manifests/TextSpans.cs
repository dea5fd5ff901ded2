namespace GitOpsSecrets.Manifests;

/// <summary>
/// Where the nodes of one document sit in the file's text (character offsets), so a rewrite can
/// replace exactly one value and leave every other character alone. Built from YamlDotNet parser
/// marks or from Utf8JsonReader token positions; never from a re-serialized document.
/// </summary>
internal abstract class SpanNode(int start, int end)
{
    /// <summary>First character of the node (a quote, a block indicator, a brace, or the first key).</summary>
    public int Start { get; } = start;

    /// <summary>One past the node's last character as the parser reports it.</summary>
    public int End { get; set; } = end;
}

internal sealed class ScalarSpan(int start, int end, ScalarKind kind, bool inFlow, bool hasProperties) : SpanNode(start, end)
{
    public ScalarKind Kind { get; } = kind;

    /// <summary>Inside a flow collection (<c>{…}</c>, <c>[…]</c>), where ',' and brackets end a plain scalar.</summary>
    public bool InFlow { get; } = inFlow;

    /// <summary>Carries an anchor or a tag: replacing it would drop them, so it is never rewritten.</summary>
    public bool HasProperties { get; } = hasProperties;

    /// <summary>An empty plain scalar (<c>key:</c> with nothing after it): null, with no text of its own.</summary>
    public bool IsEmptyPlain { get; init; }
}

internal enum ScalarKind
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    Json,
    Alias,
}

internal sealed class MappingSpan(int start, int end, bool flow) : SpanNode(start, end)
{
    public bool Flow { get; } = flow;

    /// <summary>For flow mappings and JSON objects: where the closing brace starts.</summary>
    public int CloseStart { get; set; }

    public List<EntrySpan> Entries { get; } = [];

    public EntrySpan? Find(string key) => Entries.LastOrDefault(e => e.Key == key);
}

internal sealed class SequenceSpan(int start, int end, bool flow) : SpanNode(start, end)
{
    public bool Flow { get; } = flow;

    public List<SpanNode> Items { get; } = [];
}

internal sealed record EntrySpan(string Key, SpanNode KeyNode, SpanNode Value);

/// <summary>One replacement of a range of the text; ranges of one batch never overlap.</summary>
internal readonly record struct Splice(int Start, int End, string Text);

internal static class TextOps
{
    public static string Apply(string text, IEnumerable<Splice> splices)
    {
        var ordered = splices.OrderBy(s => s.Start).ThenBy(s => s.End).ToList();
        var output = new System.Text.StringBuilder(text.Length + ordered.Sum(s => s.Text.Length));
        var position = 0;
        foreach (var splice in ordered)
        {
            if (splice.Start < position)
            {
                throw new InvalidOperationException("overlapping edits");
            }

            output.Append(text, position, splice.Start - position).Append(splice.Text);
            position = splice.End;
        }

        return output.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>The offset just past the last non-whitespace character in [start, end).</summary>
    public static int TrimEnd(string text, int start, int end)
    {
        while (end > start && text[end - 1] is ' ' or '\t' or '\r' or '\n')
        {
            end--;
        }

        return end;
    }

    /// <summary>Where the line holding <paramref name="offset"/> ends (at its '\r' or '\n', or the end of the text).</summary>
    public static int LineEnd(string text, int offset)
    {
        var index = text.IndexOf('\n', offset);
        if (index < 0)
        {
            return text.Length;
        }

        return index > offset && text[index - 1] == '\r' ? index - 1 : index;
    }

    /// <summary>Past the line break that ends the line holding <paramref name="offset"/>.</summary>
    public static int NextLineStart(string text, int offset)
    {
        var index = text.IndexOf('\n', offset);
        return index < 0 ? text.Length : index + 1;
    }

    public static int LineStart(string text, int offset)
    {
        var index = offset == 0 ? -1 : text.LastIndexOf('\n', offset - 1);
        return index + 1;
    }

    public static int Column(string text, int offset) => offset - LineStart(text, offset);

    /// <summary>True when only spaces stand between the start of the line and <paramref name="offset"/>.</summary>
    public static bool FirstOnLine(string text, int offset)
    {
        for (var i = offset - 1; i >= 0 && text[i] != '\n'; i--)
        {
            if (text[i] != ' ')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The file's line break: CRLF files keep CRLF.</summary>
    public static string NewLine(string text) => text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
}
