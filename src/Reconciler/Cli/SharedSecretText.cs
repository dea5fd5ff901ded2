using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>The text <c>shared get</c> prints: names, never values; repository text escaped for the terminal.</summary>
public static class SharedSecretText
{
    public static string Describe(LocatedSharedSecret located, IReadOnlyDictionary<string, Team> teams)
    {
        var secret = located.Secret;
        var text = new StringBuilder();
        Line(text, "SharedSecret", $"{secret.HomeNamespace}/{secret.Name}");
        Line(text, "file", located.Location.ToString());
        Line(text, "type", secret.Type ?? "Opaque");
        Line(text, "keys", List(secret.Sealed.EncryptedData.Keys));
        if (secret.Sealed.Template.Data.Count > 0)
        {
            Line(text, "template keys", List(secret.Sealed.Template.Data.Keys));
        }

        text.Append("access:").Append(secret.Access.Count == 0 ? " (none: only the worker and cluster admins)\n" : "\n");
        foreach (var rule in secret.Access)
        {
            text.Append("  ").Append(Escape(string.Join(",", rule.Verbs))).Append(": ").Append(Subjects(rule, teams)).Append('\n');
        }

        var distribute = new List<string> { $"{secret.HomeNamespace} (home)" };
        distribute.AddRange(secret.Distribute.Namespaces);
        if (secret.Distribute.NamespaceSelector is not null)
        {
            distribute.Add("namespaces matching spec.distribute.namespaceSelector");
        }

        Line(text, "namespaces", List(distribute));
        if (secret.Distribute.Targets.Count > 0)
        {
            Line(text, "targets", List(secret.Distribute.Targets));
        }

        if (secret.ImagePull is { } imagePull)
        {
            Line(text, "imagePull", $"service accounts {List(imagePull.ServiceAccounts)}");
        }

        return text.ToString();
    }

    private static string Subjects(AccessRule rule, IReadOnlyDictionary<string, Team> teams)
    {
        var parts = new List<string>();
        if (rule.Users.Count > 0)
        {
            parts.Add($"users {List(rule.Users)}");
        }

        foreach (var name in rule.Teams)
        {
            parts.Add(teams.TryGetValue(name, out var team)
                ? $"team {Escape(name)} (users {List(team.Users, "none")}; groups {List(team.Groups, "none")})"
                : $"team {Escape(name)} (unknown: no Team manifest of that name found)");
        }

        if (rule.Groups.Count > 0)
        {
            parts.Add($"groups {List(rule.Groups)}");
        }

        if (rule.ServiceAccounts.Count > 0)
        {
            parts.Add($"service accounts {List(rule.ServiceAccounts.Select(s => s.ToString()))}");
        }

        return string.Join("; ", parts);
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append(label).Append(':').Append(' ', Math.Max(1, 14 - label.Length)).Append(label is "keys" or "template keys" or "namespaces" or "targets" or "imagePull" ? value : Escape(value)).Append('\n');

    private static string List(IEnumerable<string> values, string empty = "(none)")
    {
        var list = values.Select(Escape).ToList();
        return list.Count == 0 ? empty : string.Join(", ", list);
    }

    private static string Escape(string text) => TerminalText.Escape(text);
}
