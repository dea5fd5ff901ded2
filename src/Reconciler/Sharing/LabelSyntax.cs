using System.Text.RegularExpressions;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sharing;

/// <summary>The API server's rules for label keys (qualified names) and label values.</summary>
public static partial class LabelSyntax
{
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    /// <summary>Why a label key is refused (<c>IsQualifiedName</c>); null when it is valid.</summary>
    public static string? KeyError(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || !KubernetesNames.IsValidSecretName(prefix))
            {
                return "the prefix before '/' must be a DNS subdomain";
            }
        }

        if (name.Length == 0 || name.Length > KubernetesNames.MaxLabelLength || !QualifiedNamePart().IsMatch(name))
        {
            return "a label name must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character";
        }

        return null;
    }

    /// <summary>Why a label value is refused (<c>IsValidLabelValue</c>); null when it is valid.</summary>
    public static string? ValueError(string value) =>
        value.Length == 0 || (value.Length <= KubernetesNames.MaxLabelLength && QualifiedNamePart().IsMatch(value))
            ? null
            : "a label value must be empty or 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character";
}
