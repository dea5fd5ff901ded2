using System.Security.Cryptography;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Worker.Http;

/// <summary>
/// What <c>/v1/verify</c> and <c>/v1/rotate</c> do with a posted SealedSecret (what kubeseal's
/// <c>--validate</c> and <c>--re-encrypt</c> send). Plaintext lives only for the moment it is
/// checked or re-sealed, and is wiped after.
/// </summary>
public sealed class SealedSecretChecks(Unsealer unsealer, Sealer sealer)
{
    public const string BodyName = "request body";

    /// <summary>The SealedSecret in a JSON or YAML body; an <see cref="InputException"/> when it is not one.</summary>
    public static SealedSecret Parse(ReadOnlySpan<byte> body)
    {
        var document = ManifestReader.ReadSingle(body, BodyName);
        if (!SealedSecretManifest.IsSealedSecret(document))
        {
            throw new InputException($"{BodyName}: expected a {SealedSecret.ApiVersion} {SealedSecret.Kind}, got kind \"{document.Kind}\"");
        }

        return SealedSecretManifest.Read(document);
    }

    /// <summary>True when every value opens with some key and the template renders.</summary>
    public bool Verify(SealedSecret sealedSecret, KeyRing keys)
    {
        var result = unsealer.Unseal(sealedSecret, keys);
        if (result.Secret is { } secret)
        {
            foreach (var value in secret.Data.Values)
            {
                CryptographicOperations.ZeroMemory(value);
            }
        }

        return result.Succeeded;
    }

    /// <summary>
    /// Re-encrypts every value to the newest key. The top-level metadata (name, namespace, scope
    /// annotations) and the whole template, including labels and annotations only the template has,
    /// stay as they were: the label the values are bound to must not change.
    /// </summary>
    public ResealResult Rotate(SealedSecret sealedSecret, KeyRing keys)
    {
        var newest = keys.Newest ?? throw new InvalidOperationException("there is no sealing key to rotate to");
        return sealer.Reseal(sealedSecret, keys, newest);
    }
}
