using System.Text.Json.Nodes;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>Label selectors as the API server parses them: =, ==, !=, in, notin, exists and !key, comma-joined.</summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var term in SplitTerms(text))
        {
            selector._requirements.Add(ParseTerm(term.Trim(), text));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw Invalid(whole);
        }

        if (term.StartsWith('!'))
        {
            var key = Key(term[1..].Trim(), whole);
            return labels => !labels.ContainsKey(key);
        }

        var words = term.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2 && (words[1].StartsWith("in ", StringComparison.Ordinal) || words[1].StartsWith("in(", StringComparison.Ordinal)
            || words[1].StartsWith("notin ", StringComparison.Ordinal) || words[1].StartsWith("notin(", StringComparison.Ordinal)))
        {
            var key = Key(words[0], whole);
            var negate = words[1].StartsWith("notin", StringComparison.Ordinal);
            var set = words[1][(negate ? 5 : 2)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')'))
            {
                throw Invalid(whole);
            }

            var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return negate
                ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                : labels => labels.TryGetValue(key, out var v) && values.Contains(v);
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(term[..at].Trim(), whole);
                var value = term[(at + op.Length)..].Trim();
                return op == "!="
                    ? labels => !labels.TryGetValue(key, out var v) || v != value
                    : labels => labels.TryGetValue(key, out var v) && v == value;
            }
        }

        var existsKey = Key(term, whole);
        return labels => labels.ContainsKey(existsKey);
    }

    private static string Key(string key, string whole) =>
        key.Length > 0 && Validation.IsQualifiedName(key) ? key : throw Invalid(whole);

    private static KubeApiException Invalid(string whole) =>
        KubeApiException.BadRequest($"unable to parse requirement: found '{whole}', expected: identifier");

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }

            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}

/// <summary>
/// Field selectors as the real server takes them: metadata.name and metadata.namespace on every resource,
/// plus the fields a resource adds (a Secret's type; a core Event's involvedObject.*, reason, source,
/// type, reportingComponent). A field the object lacks compares as the empty string.
/// </summary>
public sealed class FieldSelector
{
    private static readonly Dictionary<string, string> Common = new(StringComparer.Ordinal)
    {
        ["metadata.name"] = "metadata.name",
        ["metadata.namespace"] = "metadata.namespace",
    };

    private static readonly Dictionary<string, string> SecretFields = new(StringComparer.Ordinal) { ["type"] = "type" };

    private static readonly Dictionary<string, string> CoreEventFields = new(StringComparer.Ordinal)
    {
        ["involvedObject.kind"] = "involvedObject.kind",
        ["involvedObject.namespace"] = "involvedObject.namespace",
        ["involvedObject.name"] = "involvedObject.name",
        ["involvedObject.uid"] = "involvedObject.uid",
        ["involvedObject.apiVersion"] = "involvedObject.apiVersion",
        ["involvedObject.resourceVersion"] = "involvedObject.resourceVersion",
        ["involvedObject.fieldPath"] = "involvedObject.fieldPath",
        ["reason"] = "reason",
        ["reportingComponent"] = "reportingComponent",
        ["source"] = "source.component",
        ["type"] = "type",
    };

    private readonly List<Func<JsonObject, bool>> _requirements = [];

    public static FieldSelector Parse(string? text, ResourceType? type = null)
    {
        var selector = new FieldSelector();
        var extra = type == ResourceTypes.Secrets ? SecretFields : type == ResourceTypes.CoreEvents ? CoreEventFields : null;
        foreach (var term in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var op = term.Contains("!=", StringComparison.Ordinal) ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var parts = term.Split(op, 2);
            if (parts.Length != 2)
            {
                throw KubeApiException.BadRequest($"invalid field selector: '{term}'");
            }

            var field = parts[0].Trim();
            var value = parts[1].Trim();
            if (!Common.TryGetValue(field, out var path) && (extra is null || !extra.TryGetValue(field, out path)))
            {
                throw KubeApiException.BadRequest($"field label not supported: {field}");
            }

            var negate = op == "!=";
            selector._requirements.Add(o => (Value(o, path) == value) != negate);
        }

        return selector;
    }

    private static string Value(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node is JsonValue v && v.TryGetValue<string>(out var text) ? text : string.Empty;
    }

    public bool Matches(JsonObject obj) => _requirements.All(r => r(obj));
}
