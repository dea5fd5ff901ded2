using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Sync;

/// <summary>
/// The tenancy guard of one target: documents under a configured repository path may only land in the
/// namespaces that path allows, so a team's folder cannot put a Secret (or a SharedSecret's copy) into
/// another team's namespace. The most specific (longest) matching path decides; a path under no rule is
/// not restricted, which keeps targets without rules working as before.
/// </summary>
public sealed class TenancyGuard
{
    public static readonly TenancyGuard None = new([]);

    private readonly List<(string Path, IReadOnlyList<string> Allow)> _rules;

    public TenancyGuard(IEnumerable<NamespaceRule> rules)
    {
        _rules = rules.Select(r => (RepositoryPaths.Normalize(r.Path), (IReadOnlyList<string>)r.Allow.ToList()))
            .OrderByDescending(r => r.Item1.Length).ToList();
    }

    /// <summary>Why a document at <paramref name="path"/> may not write to <paramref name="namespace"/>; null when it may.</summary>
    public string? Violation(string path, string @namespace)
    {
        foreach (var (rulePath, allow) in _rules)
        {
            if (!RepositoryPaths.IsUnderAny(path, [rulePath]))
            {
                continue;
            }

            return allow.Any(a => a.EndsWith('*') ? @namespace.StartsWith(a[..^1], StringComparison.Ordinal) : a == @namespace)
                ? null
                : $"namespace {@namespace} is not allowed for {rulePath} (allowed: {string.Join(", ", allow)})";
        }

        return null;
    }
}
