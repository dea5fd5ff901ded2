using System.Text.RegularExpressions;

namespace GitOpsSecrets.Configuration;

/// <summary>A commit identity written as git prints it: <c>Name &lt;email&gt;</c>.</summary>
public sealed partial record CommitAuthor(string Name, string Email)
{
    public static bool TryParse(string? text, out CommitAuthor author)
    {
        var match = Pattern().Match(text ?? string.Empty);
        author = match.Success ? new CommitAuthor(match.Groups[1].Value.Trim(), match.Groups[2].Value.Trim()) : new CommitAuthor(string.Empty, string.Empty);
        return match.Success;
    }

    [GeneratedRegex(@"^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")]
    private static partial Regex Pattern();
}
