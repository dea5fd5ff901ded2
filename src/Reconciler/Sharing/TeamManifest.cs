using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sharing;

/// <summary>Reads and writes a Team (<c>metadata.name</c>, <c>spec.users</c>, <c>spec.groups</c>).</summary>
public static class TeamManifest
{
    public static bool IsTeam(ManifestDocument document) =>
        document.Kind == Team.Kind && document.ApiVersion?.StartsWith("gitops-secrets.io/", StringComparison.Ordinal) == true;

    public static Team Read(ManifestDocument document)
    {
        var fields = new NodeFields(document);
        var root = fields.RootObject(Team.Kind);
        if (fields.OptionalString(root, "kind", "kind") != Team.Kind || fields.OptionalString(root, "apiVersion", "apiVersion") != Team.ApiVersion)
        {
            throw document.Error(root, $"expected apiVersion {Team.ApiVersion}, kind {Team.Kind}");
        }

        var metadata = fields.OptionalObject(root, "metadata", "metadata") ?? throw document.Error(root, "metadata.name is required");
        var name = fields.OptionalString(metadata, "name", "metadata.name");
        if (!KubernetesNames.IsValidSecretName(name))
        {
            throw document.Error(metadata, "metadata.name is required and must be a DNS subdomain (lower case alphanumeric, '-' or '.')");
        }

        if (metadata["namespace"] is not null)
        {
            throw document.Error(metadata["namespace"], "metadata.namespace: a Team is repository-wide and has no namespace");
        }

        var spec = fields.OptionalObject(root, "spec", "spec") ?? [];
        fields.OnlyKnown(spec, "spec", "users", "groups");
        return new Team
        {
            Name = name!,
            Users = fields.StringList(spec, "users", "spec.users").Distinct(StringComparer.Ordinal).ToList(),
            Groups = fields.StringList(spec, "groups", "spec.groups").Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    public static JsonObject ToNode(Team team)
    {
        var spec = new JsonObject();
        if (team.Users.Count > 0)
        {
            spec["users"] = new JsonArray(team.Users.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray());
        }

        if (team.Groups.Count > 0)
        {
            spec["groups"] = new JsonArray(team.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        }

        return new JsonObject
        {
            ["apiVersion"] = Team.ApiVersion,
            ["kind"] = Team.Kind,
            ["metadata"] = new JsonObject { ["name"] = team.Name },
            ["spec"] = spec,
        };
    }
}
