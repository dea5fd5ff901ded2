using System.Text.RegularExpressions;

namespace GitOpsSecrets.Git;

/// <summary>Recognizes remote URL forms and removes credentials from anything we print.</summary>
public static partial class GitUrls
{
    /// <summary>
    /// Removes user-info that may hold a secret: <c>user:password@</c> everywhere, and the whole
    /// user-info of http(s) URLs (a token is often sent as the user name). ssh user names stay.
    /// </summary>
    public static string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return UserInfo().Replace(text, match =>
        {
            var scheme = match.Groups["scheme"].Value;
            var user = match.Groups["user"].Value;
            var isHttp = scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase);
            return isHttp || user.Contains(':', StringComparison.Ordinal) ? $"{scheme}://" : match.Value;
        });
    }

    /// <summary>True for <c>ssh://</c>, <c>git+ssh://</c> and scp-like <c>user@host:path</c>.</summary>
    public static bool IsSsh(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Contains("://", StringComparison.Ordinal))
        {
            var scheme = url[..url.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant();
            return scheme is "ssh" or "git+ssh" or "ssh+git";
        }

        return ScpLike().IsMatch(url);
    }

    public static bool IsHttp(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The directory a local path or <c>file://</c> URL names, else null.</summary>
    public static string? LocalPath(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.LocalPath : url["file://".Length..];
        }

        return url.Contains("://", StringComparison.Ordinal) || ScpLike().IsMatch(url) ? null : Path.GetFullPath(url);
    }

    /// <summary>What libgit2 is given: URLs as they are, local paths made absolute.</summary>
    public static string Normalize(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (url.Contains("://", StringComparison.Ordinal) || ScpLike().IsMatch(url))
        {
            return url;
        }

        return Path.GetFullPath(url);
    }

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?<user>[^/@\s]+)@")]
    private static partial Regex UserInfo();

    // user@host:path or host:path with no slash before the colon (git's own rule for scp-like syntax).
    [GeneratedRegex(@"^(?:[^@/\s]+@)?[^/:\s]+:")]
    private static partial Regex ScpLike();
}
