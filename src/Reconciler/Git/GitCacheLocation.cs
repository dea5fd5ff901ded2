using System.Security.Cryptography;
using System.Text;

namespace GitOpsSecrets.Git;

/// <summary>
/// Where a repository is cached when the configuration does not say:
/// <c>$XDG_CACHE_HOME/gitops-secrets/&lt;first 16 hex digits of sha256(url)&gt;</c>, else under
/// <c>$HOME/.cache</c>, else under the temporary folder. One clone per repository URL.
/// </summary>
public sealed class GitCacheLocation(Func<string, string?> getEnvironmentVariable)
{
    public GitCacheLocation()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    public string For(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var cacheHome = getEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : getEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".cache") : Path.GetTempPath();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..16];
        return Path.Combine(cacheHome, "gitops-secrets", hash);
    }
}
