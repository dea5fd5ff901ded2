using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Sharing;

/// <summary>
/// The checks that need more than one document: team names are unique across the repository, and
/// every team an access rule names exists.
/// </summary>
public static class SharingValidator
{
    /// <summary>The teams by name; a second Team of the same name is an error naming both places.</summary>
    public static IReadOnlyDictionary<string, Team> TeamsByName(IEnumerable<LocatedTeam> teams, ICollection<ManifestException> errors)
    {
        var byName = new Dictionary<string, LocatedTeam>(StringComparer.Ordinal);
        foreach (var team in teams)
        {
            if (byName.TryGetValue(team.Team.Name, out var first))
            {
                errors.Add(new ManifestException(team.Location, $"Team \"{team.Team.Name}\" is already defined at {first.Location}"));
                continue;
            }

            byName[team.Team.Name] = team;
        }

        return byName.ToDictionary(t => t.Key, t => t.Value.Team, StringComparer.Ordinal);
    }

    /// <summary>The first unknown team the SharedSecret names, as an error at that field; null when all are known.</summary>
    public static ManifestException? UnknownTeam(LocatedSharedSecret shared, IReadOnlyDictionary<string, Team> teams)
    {
        for (var r = 0; r < shared.Secret.Access.Count; r++)
        {
            var rule = shared.Secret.Access[r];
            for (var t = 0; t < rule.Teams.Count; t++)
            {
                if (!teams.ContainsKey(rule.Teams[t]))
                {
                    var node = shared.Document.Root?["spec"]?["access"]?[r]?["teams"]?[t];
                    return shared.Document.Error(node, $"spec.access[{r}].teams[{t}]: unknown team \"{rule.Teams[t]}\" (no Team of that name in the repository)");
                }
            }
        }

        return null;
    }
}
