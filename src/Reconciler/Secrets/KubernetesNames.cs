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

    public static string DataKeyRule => "a valid secret key must consist of alphanumeric characters, '-', '_' or '.' (regex [-._a-zA-Z0-9]+), at most 253 characters, and not be '.' or '..' nor start with '..'";
}
