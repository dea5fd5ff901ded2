using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// How a plain (unquoted) YAML scalar is typed, following the YAML 1.1 rules that kubectl's parser
/// (go-yaml v2 behind sigs.k8s.io/yaml) applies, so a document means here what it means to kubectl.
/// The writer uses the same rules to decide when a string must be quoted.
/// </summary>
public static partial class YamlScalars
{
    private static readonly HashSet<string> Nulls = ["", "~", "null", "Null", "NULL"];

    private static readonly HashSet<string> Trues = ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"];

    private static readonly HashSet<string> Falses = ["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"];

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)$")]
    private static partial Regex OtherInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex SpecialFloat();

    /// <summary>Types a plain scalar: null, bool, number, or the string itself.</summary>
    public static JsonNode? Resolve(string text)
    {
        if (Nulls.Contains(text))
        {
            return null;
        }

        if (Trues.Contains(text))
        {
            return JsonValue.Create(true);
        }

        if (Falses.Contains(text))
        {
            return JsonValue.Create(false);
        }

        if (DecimalInteger().IsMatch(text) && long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        // Out of double's range is not a number: go-yaml's ParseFloat fails with ErrRange and the
        // scalar stays a string (and an infinity could not be written as JSON anyway).
        if (Float().IsMatch(text) && double.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        if (OtherInteger().IsMatch(text) || SpecialFloat().IsMatch(text))
        {
            // Hex, octal, binary and .inf/.nan are numbers to kubectl; we have no use for their value,
            // but a string field written this way must be reported, so keep them as a number.
            return JsonValue.Create(0d);
        }

        return JsonValue.Create(text);
    }

    /// <summary>True when the text would read back as something other than this same string if unquoted.</summary>
    public static bool NeedsQuotes(string text)
    {
        if (text.Length == 0 || Resolve(text) is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            return true;
        }

        if (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]) || "-?:,[]{}#&*!|>'\"%@`".Contains(text[0], StringComparison.Ordinal))
        {
            // Indicators at the start are only harmless in a few cases ("-x", "?x", ":x"); quoting is always safe.
            return !(text.Length > 1 && "-?:".Contains(text[0], StringComparison.Ordinal) && !char.IsWhiteSpace(text[1]) && SafeBody(text));
        }

        return !SafeBody(text);
    }

    private static bool SafeBody(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) || c > '\u007e')
            {
                return false;
            }
        }

        return !text.Contains(": ", StringComparison.Ordinal)
            && !text.Contains(" #", StringComparison.Ordinal)
            && !text.EndsWith(':')
            && text != "---"
            && text != "..."
            && text != "<<";
    }
}
