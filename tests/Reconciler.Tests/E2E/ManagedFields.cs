using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>Reads <c>metadata.managedFields</c> as the real server returns it: which manager owns which fields.</summary>
public static class ManagedFields
{
    /// <summary>The names a manager's entries own under a fieldsV1 path (<c>f:data</c> → data keys; <c>f:metadata</c>, <c>f:labels</c> → label keys).</summary>
    public static List<string> OwnedBy(V1Secret secret, string manager, params string[] path) =>
        (secret.Metadata.ManagedFields ?? []).Where(m => m.Manager == manager).SelectMany(m => Owned(m, path)).Order(StringComparer.Ordinal).ToList();

    public static IEnumerable<string> Owned(V1ManagedFieldsEntry entry, params string[] path)
    {
        var node = (JsonNode?)FieldsV1(entry);
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        // "." is the map itself (its creator owns it), not a key in it.
        return node is JsonObject owned ? owned.Where(p => p.Key.StartsWith("f:", StringComparison.Ordinal)).Select(p => p.Key["f:".Length..]).ToList() : [];
    }

    public static JsonObject FieldsV1(V1ManagedFieldsEntry entry) =>
        JsonNode.Parse(entry.FieldsV1 is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(entry.FieldsV1))!.AsObject();
}
