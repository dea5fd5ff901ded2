namespace GitOpsSecrets.Configuration;

/// <summary>Checks a target's <c>namespaces</c> allow-list (the tenancy guard's configuration).</summary>
public static class TenancyRules
{
    public static IEnumerable<string> Problems(TargetConfiguration target)
    {
        for (var i = 0; i < target.Namespaces.Count; i++)
        {
            var rule = target.Namespaces[i];
            var where = $"target {target.Name}: namespaces[{i}]";
            if (string.IsNullOrWhiteSpace(rule.Path))
            {
                yield return $"{where}: path is required (a repository folder or file)";
            }

            if (rule.Allow.Count == 0)
            {
                yield return $"{where}: allow is required (namespace names, or a prefix ending in *)";
            }

            foreach (var pattern in rule.Allow.Where(p => p.Length == 0 || (p.Contains('*', StringComparison.Ordinal) && p.IndexOf('*', StringComparison.Ordinal) != p.Length - 1)))
            {
                yield return $"{where}: allow entry \"{pattern}\" must be a namespace name or a prefix ending in *";
            }
        }

        foreach (var duplicate in target.Namespaces.GroupBy(r => r.Path.Replace('\\', '/').Trim('/'), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"target {target.Name}: namespaces: path \"{duplicate.Key}\" is listed more than once";
        }
    }
}
