using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>Reads SealedSecrets from manifest documents and writes them in kubeseal's shape.</summary>
public static class SealedSecretManifest
{
    public static bool IsSealedSecret(ManifestDocument document) =>
        document.Kind == SealedSecret.Kind && document.ApiVersion?.StartsWith("bitnami.com/", StringComparison.Ordinal) != false;

    /// <summary>
    /// A <c>kind: List</c> (<c>apiVersion: v1</c> or none), as <c>kubectl get sealedsecrets -o yaml</c>
    /// writes, or Bitnami's own <c>SealedSecretList</c>.
    /// </summary>
    public static bool IsList(ManifestDocument document) =>
        (document.Kind == "List" && document.ApiVersion is null or "v1")
        || (document.Kind == SealedSecret.Kind + "List" && document.ApiVersion?.StartsWith("bitnami.com/", StringComparison.Ordinal) == true);

    /// <summary>
    /// The SealedSecrets a document holds: itself, or the SealedSecret items of a List, each located at
    /// its file, document and item index. Other kinds (and other items) hold none. A List whose
    /// <c>items</c> is not a sequence is an error.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> SealedSecretsIn(ManifestDocument document)
    {
        if (IsSealedSecret(document))
        {
            return [document];
        }

        if (!IsList(document))
        {
            return [];
        }

        var items = (document.Root as JsonObject)?["items"] switch
        {
            null => [],
            JsonArray array => array,
            var other => throw document.Error(other, "items of a List must be a sequence"),
        };
        return items.Select((item, index) => document.Item(item, index)).Where(IsSealedSecret).ToList();
    }

    public static SealedSecret Read(ManifestDocument document)
    {
        var fields = new NodeFields(document);
        var root = fields.RootObject("SealedSecret");
        var apiVersion = fields.OptionalString(root, "apiVersion", "apiVersion");
        if (fields.OptionalString(root, "kind", "kind") != SealedSecret.Kind || apiVersion != SealedSecret.ApiVersion)
        {
            throw document.Error(root, $"expected apiVersion {SealedSecret.ApiVersion}, kind {SealedSecret.Kind}");
        }

        return ReadSealedParts(fields, root);
    }

    /// <summary>
    /// The parts a SealedSecret shares with other sealed kinds (the SharedSecret): top-level metadata,
    /// <c>spec.template</c> and <c>spec.encryptedData</c>, read and checked by the same rules.
    /// </summary>
    public static SealedSecret ReadSealedParts(NodeFields fields, JsonObject root)
    {
        var document = fields.Document;
        var spec = fields.OptionalObject(root, "spec", "spec") ?? throw document.Error(root, "spec is required");
        var template = fields.OptionalObject(spec, "template", "spec.template") ?? [];
        var sealedSecret = new SealedSecret
        {
            Metadata = SecretManifest.ReadMetadata(fields, fields.OptionalObject(root, "metadata", "metadata"), "metadata"),
            Template = new SecretTemplate
            {
                Metadata = SecretManifest.ReadMetadata(fields, fields.OptionalObject(template, "metadata", "spec.template.metadata"), "spec.template.metadata"),
                Type = fields.OptionalString(template, "type", "spec.template.type"),
                Immutable = fields.OptionalBool(template, "immutable", "spec.template.immutable"),
                Data = fields.StringMap(template, "data", "spec.template.data"),
            },
            EncryptedData = fields.StringMap(spec, "encryptedData", "spec.encryptedData"),
        };

        if (spec["data"] is not null && sealedSecret.EncryptedData.Count == 0)
        {
            throw document.Error(spec["data"], "spec.data holds the pre-v0.7 single-blob format, which is not supported; re-seal the Secret");
        }

        if (string.IsNullOrEmpty(sealedSecret.Metadata.Name))
        {
            throw document.Error(root, "metadata.name is required");
        }

        foreach (var key in sealedSecret.EncryptedData.Keys.Concat(sealedSecret.Template.Data.Keys))
        {
            if (!KubernetesNames.IsValidDataKey(key))
            {
                throw document.Error(spec["encryptedData"]?[key] ?? template["data"]?[key], $"key \"{key}\" is invalid: {KubernetesNames.DataKeyRule}");
            }
        }

        return sealedSecret;
    }

    /// <summary>kubeseal's JSON field order; YAML output sorts keys as kubeseal's YAML printer does.</summary>
    public static JsonObject ToNode(SealedSecret sealedSecret)
    {
        var template = new JsonObject { ["metadata"] = SecretManifest.MetadataNode(sealedSecret.Template.Metadata) };
        if (sealedSecret.Template.Type is not null)
        {
            template["type"] = sealedSecret.Template.Type;
        }

        if (sealedSecret.Template.Immutable is { } immutable)
        {
            template["immutable"] = immutable;
        }

        if (sealedSecret.Template.Data.Count > 0)
        {
            template["data"] = SecretManifest.StringMapNode(sealedSecret.Template.Data);
        }

        return new JsonObject
        {
            ["kind"] = SealedSecret.Kind,
            ["apiVersion"] = SealedSecret.ApiVersion,
            ["metadata"] = SecretManifest.MetadataNode(sealedSecret.Metadata),
            ["spec"] = new JsonObject
            {
                ["template"] = template,
                ["encryptedData"] = SecretManifest.StringMapNode(sealedSecret.EncryptedData),
            },
        };
    }
}
