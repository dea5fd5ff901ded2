using System.CommandLine;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// Who and which verbs, as <c>shared create</c> and <c>shared access add|remove</c> take them:
/// <c>--verbs get,list --user alice --team payments --group g --service-account ns/name</c>; each
/// repeatable and comma-separated, like kubectl's <c>create rolebinding</c> flags.
/// </summary>
public sealed class AccessOptions
{
    public Option<string[]> Verbs { get; } = new("--verbs") { Description = $"Verbs on the Secret: {string.Join(", ", AccessRule.AllowedVerbs)} (repeatable, comma-separated)" };

    public Option<string[]> Users { get; } = new("--user") { Description = "User name (repeatable, comma-separated)" };

    public Option<string[]> Teams { get; } = new("--team") { Description = "Team name, a Team manifest in the repository (repeatable, comma-separated)" };

    public Option<string[]> Groups { get; } = new("--group") { Description = "Group name (repeatable, comma-separated)" };

    public Option<string[]> ServiceAccounts { get; } = new("--service-account", "--serviceaccount") { Description = "Service account NAMESPACE/NAME (repeatable, comma-separated)" };

    public IEnumerable<Option> All => [Verbs, Users, Teams, Groups, ServiceAccounts];

    /// <summary>The change the flags name; null when they name nobody and no verbs (no access flags at all).</summary>
    public AccessChange? Resolve(ParseResult parse, bool verbsRequired)
    {
        var verbs = SharedOptions.SplitList(parse.GetValue(Verbs));
        foreach (var verb in verbs.Where(v => !AccessRule.AllowedVerbs.Contains(v, StringComparer.Ordinal)))
        {
            throw new UsageException($"--verbs: unknown verb \"{verb}\" (expected {string.Join(", ", AccessRule.AllowedVerbs)})");
        }

        var change = new AccessChange(
            AccessEditor.Normalize(verbs),
            SharedOptions.SplitList(parse.GetValue(Users)),
            SharedOptions.SplitList(parse.GetValue(Teams)),
            SharedOptions.SplitList(parse.GetValue(Groups)),
            [.. SharedOptions.SplitList(parse.GetValue(ServiceAccounts)).Select(ServiceAccount)]);
        if (change.NamesNoSubject && verbs.Count == 0)
        {
            return null;
        }

        if (change.NamesNoSubject)
        {
            throw new UsageException("--verbs needs someone to grant them to: --user, --team, --group or --service-account");
        }

        return verbsRequired && verbs.Count == 0 ? throw new UsageException($"--verbs is required: one or more of {string.Join(", ", AccessRule.AllowedVerbs)}") : change;
    }

    private static ServiceAccountRef ServiceAccount(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && KubernetesNames.IsValidNamespace(parts[0]) && KubernetesNames.IsValidSecretName(parts[1])
            ? new ServiceAccountRef(parts[0], parts[1])
            : throw new UsageException($"--service-account: \"{text}\" is not NAMESPACE/NAME");
    }
}
