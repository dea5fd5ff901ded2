using System.Text.RegularExpressions;

namespace GitOpsSecrets.Git;

/// <summary>A commit message template such as <c>Reseal {secrets} SealedSecrets to key {key}</c>.</summary>
public static partial class CommitMessageTemplate
{
    /// <summary>Fills the placeholders it has values for; unknown ones are left as they are.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();
}
