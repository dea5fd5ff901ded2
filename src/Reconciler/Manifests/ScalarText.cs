using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Manifests;

/// <summary>How a string is spelled as a YAML or JSON scalar, keeping the style the file already used where it can.</summary>
internal static class ScalarText
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(string value) => JsonValue.Create(value).ToJsonString(Relaxed);

    /// <summary>Plain when the text reads back as this same string, double-quoted otherwise.</summary>
    public static string YamlPlainOrQuoted(string value, bool inFlow) =>
        YamlScalars.NeedsQuotes(value) || value.Contains('\n', StringComparison.Ordinal) || (inFlow && value.AsSpan().IndexOfAny(",[]{}") >= 0)
            ? DoubleQuoted(value)
            : value;

    public static string SingleQuoted(string value) =>
        value.Any(c => char.IsControl(c)) ? DoubleQuoted(value) : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string DoubleQuoted(string value) => ManifestWriter.DoubleQuoted(value);

    /// <summary>
    /// A literal or folded block scalar rewritten with a new value: the header's style character and
    /// anything after the indicators (a comment) are kept, the chomping indicator follows the value,
    /// content lines keep the block's indentation. Null when the value cannot be a block scalar.
    /// </summary>
    public static string? Block(string text, int start, int contentEnd, string value, int defaultIndent, string newLine)
    {
        var trailing = value.Length - value.TrimEnd('\n').Length;
        var body = value.TrimEnd('\n');
        if (body.Length == 0 || trailing > 1 || body[0] == ' ' || body.Any(c => char.IsControl(c) && c != '\n'))
        {
            return null;
        }

        var style = text[start] == '>' && !body.Contains('\n', StringComparison.Ordinal) && !body.Contains(' ', StringComparison.Ordinal) ? '>' : '|';
        var headerEnd = Math.Min(TextOps.LineEnd(text, start), contentEnd);
        var afterIndicators = start + 1;
        while (afterIndicators < headerEnd && "+-0123456789".Contains(text[afterIndicators], StringComparison.Ordinal))
        {
            afterIndicators++;
        }

        var indent = ContentIndent(text, headerEnd, contentEnd) ?? defaultIndent;
        var output = new StringBuilder().Append(style).Append(trailing == 0 ? "-" : string.Empty).Append(text, afterIndicators, headerEnd - afterIndicators);
        foreach (var line in body.Split('\n'))
        {
            output.Append(newLine);
            if (line.Length > 0)
            {
                output.Append(' ', indent).Append(line);
            }
        }

        return output.ToString();
    }

    private static int? ContentIndent(string text, int from, int to)
    {
        var position = TextOps.NextLineStart(text, from);
        while (position < to)
        {
            var spaces = 0;
            while (position + spaces < to && text[position + spaces] == ' ')
            {
                spaces++;
            }

            if (position + spaces < to && text[position + spaces] is not ('\r' or '\n'))
            {
                return spaces;
            }

            position = TextOps.NextLineStart(text, position);
        }

        return null;
    }
}
