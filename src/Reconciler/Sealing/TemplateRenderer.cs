using System.Text;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// Renders <c>spec.template.data</c>: plain text with Go-template references to unsealed values,
/// <c>{{ .key }}</c> and <c>{{ index . "key" }}</c> (trim markers <c>{{-</c>/<c>-}}</c> allowed).
/// Anything else Go templates can do is refused with an error naming the construct, rather than
/// rendered differently from the controller.
/// </summary>
public static partial class TemplateRenderer
{
    [GeneratedRegex(@"^\.([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex FieldReference();

    [GeneratedRegex(@"^index\s+\.\s+""((?:[^""\\]|\\.)*)""$")]
    private static partial Regex IndexReference();

    /// <summary>What Go's text/template counts as space around trim markers and inside actions: ASCII only.</summary>
    private static readonly char[] GoSpace = [' ', '\t', '\r', '\n'];

    /// <summary>Renders one template. Errors name the template key and quote only the template text.</summary>
    public static byte[] Render(string key, string template, IReadOnlyDictionary<string, byte[]> values)
    {
        var output = new List<byte>(template.Length);
        var position = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                output.AddRange(Encoding.UTF8.GetBytes(template[position..]));
                break;
            }

            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateException(key, $"unclosed action at offset {open}");
            }

            var text = template[position..open];
            var action = template[(open + 2)..close];
            // Go's markers are "{{- " and " -}}" with any ASCII space, and they trim ASCII space only
            // (a no-break space next to an action stays, as the controller renders it).
            var trimLeft = (action.Length >= 2 && action[0] == '-' && GoSpace.Contains(action[1])) || action == "-";
            var trimRight = action.Length >= 2 && action[^1] == '-' && GoSpace.Contains(action[^2]);
            if (trimLeft)
            {
                text = text.TrimEnd(GoSpace);
                action = action[1..];
            }

            if (trimRight)
            {
                action = action[..^1];
            }

            output.AddRange(Encoding.UTF8.GetBytes(text));
            output.AddRange(Resolve(key, action.Trim(GoSpace), values));
            position = close + 2;
            if (trimRight)
            {
                while (position < template.Length && GoSpace.Contains(template[position]))
                {
                    position++;
                }
            }
        }

        return [.. output];
    }

    private static byte[] Resolve(string key, string action, IReadOnlyDictionary<string, byte[]> values)
    {
        string reference;
        if (FieldReference().Match(action) is { Success: true } field)
        {
            reference = field.Groups[1].Value;
        }
        else if (IndexReference().Match(action) is { Success: true } index)
        {
            reference = Regex.Unescape(index.Groups[1].Value);
        }
        else if (action.StartsWith("/*", StringComparison.Ordinal) && action.EndsWith("*/", StringComparison.Ordinal))
        {
            return []; // a comment
        }
        else
        {
            throw new TemplateException(key, $"unsupported template construct \"{{{{{action}}}}}\"; only {{{{ .key }}}} and {{{{ index . \"key\" }}}} are supported");
        }

        // Go renders a missing map key as "<no value>"; a silent wrong value in a Secret is worse than an error.
        return values.TryGetValue(reference, out var value)
            ? value
            : throw new TemplateException(key, $"refers to \"{reference}\", which is not in encryptedData");
    }
}

public sealed class TemplateException : Exception
{
    public TemplateException(string key, string message)
        : base($"spec.template.data.{key}: {message}")
    {
    }

    public TemplateException()
    {
    }

    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
