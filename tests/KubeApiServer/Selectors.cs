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

/// <summary>Field selectors on metadata.name and metadata.namespace, the ones every resource supports.</summary>
public sealed class FieldSelector
{
    private readonly List<Func<JsonObject, bool>> _requirements = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
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
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw KubeApiException.BadRequest($"field label not supported: {field}");
            }

            var property = field["metadata.".Length..];
            var negate = op == "!=";
            selector._requirements.Add(o => (o["metadata"]?[property]?.GetValue<string>() == value) != negate);
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => _requirements.All(r => r(obj));
}
