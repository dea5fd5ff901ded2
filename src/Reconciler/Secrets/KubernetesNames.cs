using System.Text.RegularExpressions;

namespace GitOpsSecrets.Secrets;

/// <summary>The API server's naming rules for the names we read and write.</summary>
public static partial class KubernetesNames
{
    public const int MaxSubdomainLength = 253;
    public const int MaxLabelLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    /// <summary>A Secret's name: a DNS subdomain.</summary>
    public static bool IsValidSecretName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxSubdomainLength && Subdomain().IsMatch(name);

    /// <summary>A namespace's name: a DNS label.</summary>
    public static bool IsValidNamespace(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLabelLength && Label().IsMatch(name);

    /// <summary>
    /// A key of Secret data: <c>[-._a-zA-Z0-9]+</c>, at most 253 characters, not "." or "..", and not
    /// starting with ".." (the API server reserves that for the secret volume's own entries).
    /// </summary>
    public static bool IsValidDataKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxSubdomainLength && key is not "." and not ".."
        && !key.StartsWith("..", StringComparison.Ordinal) && ConfigKey().IsMatch(key);

    /// <summary>
    /// Why a Secret name is refused, in the API server's words (<c>IsDNS1123Subdomain</c>); empty when it
    /// is valid. Like the API server, each dot-separated label is not limited to 63 characters here: only
    /// namespaces (DNS labels) are.
    /// </summary>
    public static IReadOnlyList<string> SecretNameErrors(string name)
    {
        var errors = new List<string>();
        if (name.Length > MaxSubdomainLength)
        {
            errors.Add(MaxLengthError(MaxSubdomainLength));
        }

        if (!Subdomain().IsMatch(name))
        {
            errors.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }

        return errors;
    }

    /// <summary>Why a namespace is refused, in the API server's words (<c>IsDNS1123Label</c>); empty when it is valid.</summary>
    public static IReadOnlyList<string> NamespaceErrors(string name)
    {
        var errors = new List<string>();
        if (name.Length > MaxLabelLength)
        {
            errors.Add(MaxLengthError(MaxLabelLength));
        }

        if (!Label().IsMatch(name))
        {
            errors.Add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }

        return errors;
    }

    /// <summary>Why a data key is refused, in the API server's words (<c>IsConfigMapKey</c>); empty when it is valid.</summary>
    public static IReadOnlyList<string> DataKeyErrors(string key)
    {
        var errors = new List<string>();
        if (key.Length > MaxSubdomainLength)
        {
            errors.Add(MaxLengthError(MaxSubdomainLength));
        }

        if (!ConfigKey().IsMatch(key))
        {
            errors.Add("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        }

        errors.AddRange(key switch
        {
            "." => ["must not be '.'"],
            ".." => ["must not be '..'"],
            _ when key.StartsWith("..", StringComparison.Ordinal) => ["must not start with '..'"],
            _ => [],
        });
        return errors;
    }

    /// <summary>
    /// The API server's <c>field: Invalid value: "value": reason</c>, one per reason. The value is quoted
    /// as Go's %q quotes it (control characters escaped, so a message stays one line) and shortened when long.
    /// </summary>
    public static IEnumerable<string> Invalid(string field, string value, IReadOnlyList<string> errors) =>
        errors.Select(error => $"{field}: Invalid value: {Quote(value)}: {error}");

    /// <summary>A name or key, quoted for a message: escapes anything that could break the line or reach a terminal raw.</summary>
    public static string Quote(string value)
    {
        const int Shown = 300;
        var text = new System.Text.StringBuilder("\"");
        foreach (var c in value.Length > Shown ? value[..Shown] : value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        text.Append('"');
        return value.Length > Shown ? $"{text}... ({value.Length} characters)" : text.ToString();
    }

    private static string MaxLengthError(int length) => $"must be no more than {length} characters";

    public static string DataKeyRule => "a valid secret key must consist of alphanumeric characters, '-', '_' or '.' (regex [-._a-zA-Z0-9]+), at most 253 characters, and not be '.' or '..' nor start with '..'";
}
