using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>Structural checks on a SealedSecret that need no key: what <c>validate</c> does offline.</summary>
public static class SealedValueLayout
{
    public static IReadOnlyList<string> Check(SealedSecret sealedSecret, int? expectedRsaBytes)
    {
        var problems = new List<string>();
        var metadata = sealedSecret.Metadata;
        if (string.IsNullOrEmpty(metadata.Name))
        {
            problems.Add("metadata.name is required");
        }
        else
        {
            problems.AddRange(KubernetesNames.Invalid("metadata.name", metadata.Name, KubernetesNames.SecretNameErrors(metadata.Name)));
        }

        if (sealedSecret.Scope != SealingScope.ClusterWide && string.IsNullOrEmpty(metadata.Namespace))
        {
            problems.Add($"metadata.namespace is required for the {SealingScopes.Format(sealedSecret.Scope)} scope");
        }
        else if (!string.IsNullOrEmpty(metadata.Namespace))
        {
            problems.AddRange(KubernetesNames.Invalid("metadata.namespace", metadata.Namespace, KubernetesNames.NamespaceErrors(metadata.Namespace)));
        }

        if (sealedSecret.EncryptedData.Count == 0 && sealedSecret.Template.Data.Count == 0)
        {
            problems.Add("spec.encryptedData is empty");
        }

        foreach (var (key, value) in sealedSecret.EncryptedData)
        {
            if (StrictBase64.TryDecode(value, out var error) is not { } bytes)
            {
                problems.Add($"spec.encryptedData.{key} is not valid base64: {error}");
                continue;
            }

            if (!HybridCipher.TrySplit(bytes, out var rsaPart, out _))
            {
                problems.Add($"spec.encryptedData.{key} is too short to be a sealed value");
            }
            else if (expectedRsaBytes is { } expected && rsaPart.GetOffsetAndLength(bytes.Length).Length != expected)
            {
                problems.Add($"spec.encryptedData.{key} was sealed to a {rsaPart.GetOffsetAndLength(bytes.Length).Length * 8}-bit key, not this {expected * 8}-bit certificate");
            }
        }

        return problems;
    }
}
