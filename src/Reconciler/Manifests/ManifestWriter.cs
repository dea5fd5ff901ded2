using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Writes manifests the way kubectl and kubeseal print them: JSON indented by two spaces; YAML in block
/// style with sequences flush under their key (go-yaml's layout) and strings quoted only when needed.
/// </summary>
public static class ManifestWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        // Keep base64 '+' and other characters readable; output is a file, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions CompactJsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToJson(JsonNode node) => node.ToJsonString(JsonOptions) + "\n";

    /// <summary>One line of JSON with Go's escaping of the characters base64 and names use (none).</summary>
    public static string ToCompactJson(JsonNode node) => node.ToJsonString(CompactJsonOptions);

    /// <summary>One YAML document without a leading <c>---</c>; keys in the node's own order.</summary>
    public static string ToYaml(JsonNode node)
    {
        var output = new StringBuilder();
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                WriteMapping(obj, 0, output);
                break;
            case JsonArray array when array.Count > 0:
                WriteSequence(array, 0, output);
                break;
            default:
                output.Append(Scalar(node)).Append('\n');
                break;
        }

        return output.ToString();
    }

    /// <summary>Formats a string the way it must appear as a YAML scalar (quoted when plain would change it).</summary>
    public static string YamlString(string value) => YamlScalars.NeedsQuotes(value) ? DoubleQuoted(value) : value;

    /// <summary>A copy with object keys sorted recursively, the order kubectl's YAML printer uses.</summary>
    public static JsonNode SortKeys(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : SortKeys(p.Value)))),
        JsonArray array => new JsonArray(array.Select(n => n is null ? null : SortKeys(n)).ToArray()),
        _ => node.DeepClone(),
    };

    private static void WriteMapping(JsonObject obj, int indent, StringBuilder output, bool firstInline = false)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!(first && firstInline))
            {
                output.Append(' ', indent);
            }

            first = false;
            output.Append(YamlString(key)).Append(':');
            WriteValue(value, indent, output, sequenceIndent: indent);
        }
    }

    private static void WriteSequence(JsonArray array, int indent, StringBuilder output)
    {
        foreach (var item in array)
        {
            output.Append(' ', indent).Append('-');
            switch (item)
            {
                case JsonObject obj when obj.Count > 0:
                    output.Append(' ');
                    WriteMapping(obj, indent + 2, output, firstInline: true);
                    break;
                default:
                    WriteValue(item, indent, output, sequenceIndent: indent + 2);
                    break;
            }
        }
    }

    private static void WriteValue(JsonNode? value, int indent, StringBuilder output, int sequenceIndent)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0:
                output.Append('\n');
                WriteMapping(obj, indent + 2, output);
                break;
            case JsonArray array when array.Count > 0:
                output.Append('\n');
                WriteSequence(array, sequenceIndent, output);
                break;
            default:
                output.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => YamlString(v.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => v.ToJsonString(),
            _ => "null",
        },
        _ => "null",
    };

    /// <summary>A YAML double-quoted scalar (also valid JSON) that reads back to exactly <paramref name="value"/>.</summary>
    internal static string DoubleQuoted(string value)
    {
        var output = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => output.Append("\\\""),
                '\\' => output.Append("\\\\"),
                '\n' => output.Append("\\n"),
                '\r' => output.Append("\\r"),
                '\t' => output.Append("\\t"),

                // YAML readers treat these as line breaks even inside quotes and fold them away.
                '\u2028' or '\u2029' => output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ when char.IsControl(c) => output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => output.Append(c),
            };
        }

        return output.Append('"').ToString();
    }
}
