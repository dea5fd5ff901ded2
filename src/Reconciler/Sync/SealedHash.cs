using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sync;

/// <summary>
/// The sealed hash: SHA-256 over what a SealedSecret makes — its identity (name, namespace), scope,
/// template and encrypted values — in a canonical encoding (sorted keys, compact JSON). Equal sealed
/// hashes make equal Secrets, so a target that already holds a Secret stamped with this hash and
/// unchanged data needs no decryption at all.
/// </summary>
public static class SealedHash
{
    public static string Compute(SealedSecret sealedSecret)
    {
        var canonical = new JsonObject
        {
            ["name"] = sealedSecret.Metadata.Name,
            ["namespace"] = sealedSecret.Metadata.Namespace,
            ["scope"] = SealingScopes.Format(sealedSecret.Scope),
            ["template"] = TemplateNode(sealedSecret.Template),
            ["encryptedData"] = SecretManifest.StringMapNode(sealedSecret.EncryptedData),
        };
        var json = ManifestWriter.ToCompactJson(ManifestWriter.SortKeys(canonical));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    private static JsonObject TemplateNode(SecretTemplate template) => new()
    {
        ["metadata"] = SecretManifest.MetadataNode(template.Metadata, withCreationTimestamp: false),
        ["type"] = template.Type,
        ["immutable"] = template.Immutable,
        ["data"] = SecretManifest.StringMapNode(template.Data),
    };
}
