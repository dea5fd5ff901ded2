using System.Text.Json.Nodes;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>
/// An object seen as leaf fields (maps are walked, lists and scalars are leaves), the unit of field
/// ownership in server-side apply. Server-set metadata is not a field anyone owns.
/// </summary>
public static class FieldPaths
{
    /// <summary>Separates path segments; label and data keys may hold dots and slashes, so neither can separate.</summary>
    public const char Separator = '\u001f';

    private static readonly HashSet<string> TopLevelSkipped = new(StringComparer.Ordinal) { "apiVersion", "kind", "status" };

    private static readonly HashSet<string> MetadataSkipped = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink", "generateName",
    };

    public static Dictionary<string, JsonNode?> Flatten(JsonObject obj)
    {
        var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (TopLevelSkipped.Contains(key))
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (metaKey, metaValue) in metadata.Where(p => !MetadataSkipped.Contains(p.Key)))
                {
                    Walk(metaValue, "metadata" + Separator + metaKey, fields);
                }

                continue;
            }

            Walk(value, key, fields);
        }

        return fields;
    }

    public static void Set(JsonObject obj, string path, JsonNode? value)
    {
        var segments = path.Split(Separator);
        var current = obj;
        foreach (var segment in segments[..^1])
        {
            if (current[segment] is not JsonObject next)
            {
                next = [];
                current[segment] = next;
            }

            current = next;
        }

        current[segments[^1]] = value?.DeepClone();
    }

    /// <summary>Removes a field, and the maps left empty by its removal.</summary>
    public static void Remove(JsonObject obj, string path)
    {
        var segments = path.Split(Separator);
        var chain = new List<JsonObject> { obj };
        foreach (var segment in segments[..^1])
        {
            if (chain[^1][segment] is not JsonObject next)
            {
                return;
            }

            chain.Add(next);
        }

        chain[^1].Remove(segments[^1]);
        for (var i = chain.Count - 1; i > 0 && chain[i].Count == 0; i--)
        {
            chain[i - 1].Remove(segments[i - 1]);
        }
    }

    /// <summary>The <c>fieldsV1</c> form of a set of paths: nested <c>f:</c> keys, and <c>".": {}</c> inside each map owned as a whole.</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths, IEnumerable<string>? maps = null)
    {
        var root = new JsonObject();
        foreach (var map in (maps ?? []).Order(StringComparer.Ordinal))
        {
            Node(root, map)["."] = new JsonObject();
        }

        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            Node(root, path);
        }

        return root;
    }

    private static JsonObject Node(JsonObject root, string path)
    {
        var current = root;
        foreach (var segment in path.Split(Separator))
        {
            if (current["f:" + segment] is not JsonObject next)
            {
                next = [];
                current["f:" + segment] = next;
            }

            current = next;
        }

        return current;
    }

    /// <summary>How the real server prints a field in a conflict: <c>.data.password</c>.</summary>
    public static string Display(string path) => "." + path.Replace(Separator, '.');

    private static void Walk(JsonNode? node, string path, Dictionary<string, JsonNode?> fields)
    {
        if (node is JsonObject map && map.Count > 0)
        {
            foreach (var (key, value) in map)
            {
                Walk(value, path + Separator + key, fields);
            }
        }
        else if (node is not null)
        {
            fields[path] = node;
        }
    }
}

/// <summary>JSON merge patch (RFC 7386): maps merge, null removes, everything else replaces.</summary>
public static class MergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        var result = (JsonObject)target.DeepClone();
        Merge(result, patch);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchMap)
            {
                if (target[key] is not JsonObject targetMap)
                {
                    targetMap = [];
                    target[key] = targetMap;
                }

                Merge(targetMap, patchMap);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
