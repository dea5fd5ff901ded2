namespace GitOpsSecrets.Sharing;

/// <summary>One subject that may use a verb on the Secret, and the rule (and team) that grants it.</summary>
public sealed record Grant(string Kind, string Name, string Via, bool OnlyIfSelected);

/// <summary>
/// <c>shared who-can NS/NAME VERB</c> answered from the manifests alone, like <c>kubectl auth can-i</c>
/// turned around: every SharedSecret named NAME that lands in NS (home namespace, listed namespaces, or
/// possibly through its namespace selector, which only the cluster's labels decide), and every subject
/// of a rule with VERB, teams expanded to their users and groups. RBAC made outside the repository is
/// not seen; the command says so.
/// </summary>
public static class WhoCan
{
    public static IReadOnlyList<Grant> Answer(SharingSnapshot snapshot, string @namespace, string name, string verb)
    {
        var grants = new List<Grant>();
        foreach (var located in snapshot.SharedSecrets.Where(s => s.Secret.Name == name))
        {
            var shared = located.Secret;
            var listed = shared.HomeNamespace == @namespace || shared.Distribute.Namespaces.Contains(@namespace, StringComparer.Ordinal);
            var selected = !listed && shared.Distribute.NamespaceSelector is not null;
            if (!listed && !selected)
            {
                continue;
            }

            for (var r = 0; r < shared.Access.Count; r++)
            {
                var rule = shared.Access[r];
                if (!rule.Verbs.Contains(verb, StringComparer.Ordinal))
                {
                    continue;
                }

                var where = $"{located.Location.File} spec.access[{r}]";
                grants.AddRange(rule.Users.Select(u => new Grant("User", u, where, selected)));
                grants.AddRange(rule.Groups.Select(g => new Grant("Group", g, where, selected)));
                grants.AddRange(rule.ServiceAccounts.Select(s => new Grant("ServiceAccount", s.ToString(), where, selected)));
                foreach (var teamName in rule.Teams)
                {
                    if (snapshot.Teams.TryGetValue(teamName, out var team))
                    {
                        grants.AddRange(team.Users.Select(u => new Grant("User", u, $"team {teamName}, {where}", selected)));
                        grants.AddRange(team.Groups.Select(g => new Grant("Group", g, $"team {teamName}, {where}", selected)));
                    }
                }
            }
        }

        return grants;
    }
}
