using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Secrets;

/// <summary>Reads a Secret from a manifest document and writes one in kubectl's shape.</summary>
public static class SecretManifest
{
    public const string ApiVersion = "v1";
    public const string Kind = "Secret";

    public static bool IsSecret(ManifestDocument document) => document.Kind == Kind && document.ApiVersion is ApiVersion or null;

    /// <summary>
    /// Reads a Secret; <c>stringData</c> is merged into <c>data</c> and wins, as the API server does.
    /// </summary>
    public static Secret Read(ManifestDocument document)
    {
        var fields = new NodeFields(document);
        var root = fields.RootObject("Secret");
        var kind = fields.OptionalString(root, "kind", "kind");
        if (kind != Kind)
        {
            throw document.Error(root, kind is null ? "not a Secret: kind is missing" : $"expected kind Secret, found {kind}");
        }

        var secret = new Secret
        {
            Metadata = ReadMetadata(fields, fields.OptionalObject(root, "metadata", "metadata"), "metadata"),
            Type = fields.OptionalString(root, "type", "type") is { Length: > 0 } type ? type : Secret.DefaultType,
            Immutable = fields.OptionalBool(root, "immutable", "immutable"),
        };
        foreach (var (key, value) in fields.StringMap(root, "data", "data"))
        {
            secret.Data[key] = DecodeBase64(document, root["data"]?[key], $"data.{key}", value);
        }

        foreach (var (key, value) in fields.StringMap(root, "stringData", "stringData"))
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        return secret;
    }

    public static ObjectMetadata ReadMetadata(NodeFields fields, JsonObject? metadata, string path)
    {
        if (metadata is null)
        {
            return new ObjectMetadata();
        }

        var other = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            if (key is not ("name" or "namespace" or "labels" or "annotations"))
            {
                other[key] = value?.DeepClone();
            }
        }

        return new ObjectMetadata
        {
            Name = fields.OptionalString(metadata, "name", $"{path}.name"),
            Namespace = fields.OptionalString(metadata, "namespace", $"{path}.namespace"),
            Labels = fields.StringMap(metadata, "labels", $"{path}.labels"),
            Annotations = fields.StringMap(metadata, "annotations", $"{path}.annotations"),
            Other = other,
        };
    }

    public static byte[] DecodeBase64(ManifestDocument document, JsonNode? node, string path, string value)
    {
        return StrictBase64.TryDecode(value, out var error) ?? throw document.Error(node, $"{path} is not valid base64: {error}");
    }

    /// <summary>The Secret as kubectl prints it (<c>apiVersion, data, kind, metadata, type</c>).</summary>
    public static JsonObject ToNode(Secret secret)
    {
        var node = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = Kind,
            ["metadata"] = MetadataNode(secret.Metadata),
        };
        if (secret.Immutable is { } immutable)
        {
            node["immutable"] = immutable;
        }

        var data = new JsonObject();
        foreach (var (key, value) in secret.Data)
        {
            data[key] = Convert.ToBase64String(value);
        }

        node["data"] = data;
        node["type"] = secret.Type;
        return (JsonObject)ManifestWriter.SortKeys(node);
    }

    /// <summary>Metadata in the order Kubernetes' Go types print it: name, namespace, creationTimestamp, labels, annotations, the rest.</summary>
    public static JsonObject MetadataNode(ObjectMetadata metadata, bool withCreationTimestamp = true)
    {
        var node = new JsonObject();
        if (metadata.Name is not null)
        {
            node["name"] = metadata.Name;
        }

        if (metadata.Namespace is not null)
        {
            node["namespace"] = metadata.Namespace;
        }

        if (metadata.Other["creationTimestamp"] is { } timestamp)
        {
            node["creationTimestamp"] = timestamp.DeepClone();
        }
        else if (withCreationTimestamp)
        {
            // kubectl and kubeseal print this for objects that were never stored; keep their shape.
            node["creationTimestamp"] = null;
        }

        if (metadata.Labels.Count > 0)
        {
            node["labels"] = StringMapNode(metadata.Labels);
        }

        if (metadata.Annotations.Count > 0)
        {
            node["annotations"] = StringMapNode(metadata.Annotations);
        }

        foreach (var (key, value) in metadata.Other)
        {
            if (key != "creationTimestamp")
            {
                node[key] = value?.DeepClone();
            }
        }

        return node;
    }

    public static JsonObject StringMapNode(IEnumerable<KeyValuePair<string, string>> map)
    {
        var node = new JsonObject();
        foreach (var (key, value) in map)
        {
            node[key] = value;
        }

        return node;
    }
}
