using GitOpsSecrets.Keys;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>Turns Secrets into SealedSecrets shaped like kubeseal's, and re-encrypts existing ones.</summary>
public sealed class Sealer(ValueCipher cipher)
{
    /// <summary>Annotations that would leak the plaintext if copied into the template.</summary>
    public static readonly IReadOnlyList<string> LastAppliedAnnotations =
    [
        "kubectl.kubernetes.io/last-applied-configuration",
    ];

    public SealedSecret Seal(Secret secret, SealingKey key, SealingScope scope)
    {
        RequireIdentity(scope, secret.Metadata.Namespace, secret.Metadata.Name, requireName: true);
        var template = secret.Metadata.Clone();
        foreach (var field in ObjectMetadata.ServerSetFields)
        {
            template.Other.Remove(field);
        }

        foreach (var annotation in LastAppliedAnnotations)
        {
            template.Annotations.Remove(annotation);
        }

        SealingScopes.Apply(template.Annotations, scope);
        var sealedSecret = new SealedSecret
        {
            Metadata = new ObjectMetadata { Name = secret.Metadata.Name, Namespace = secret.Metadata.Namespace },
            Template = new SecretTemplate { Metadata = template, Type = secret.Type, Immutable = secret.Immutable },
        };
        SealingScopes.Apply(sealedSecret.Metadata.Annotations, scope);
        sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = key.Fingerprint;
        var label = sealedSecret.Label;
        foreach (var (name, value) in secret.Data)
        {
            sealedSecret.EncryptedData[name] = cipher.Seal(key, label, value);
        }

        return sealedSecret;
    }

    /// <summary>
    /// Seals the Secret's values into an existing SealedSecret (<c>--merge-into</c>): keys are added or
    /// replaced, everything else of the existing object stays, and its own scope and identity bind them.
    /// </summary>
    public void MergeInto(SealedSecret existing, Secret secret, SealingKey key)
    {
        var label = existing.Label;
        foreach (var (name, value) in secret.Data)
        {
            existing.EncryptedData[name] = cipher.Seal(key, label, value);
        }

        existing.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = key.Fingerprint;
    }

    /// <summary>One value for a given scope and identity (<c>--raw</c>).</summary>
    public string SealRaw(byte[] value, SealingKey key, SealingScope scope, string? @namespace, string? name)
    {
        RequireIdentity(scope, @namespace, name, requireName: false);
        return cipher.Seal(key, SealingScopes.Label(scope, @namespace, name), value);
    }

    /// <summary>
    /// Re-encrypts every value not already sealed to <paramref name="newest"/>; metadata, template and
    /// scope stay exactly as they were. Returns the keys rewritten (empty: nothing to do), or the
    /// failure that stopped it, in which case <paramref name="sealedSecret"/> is unchanged.
    /// </summary>
    public ResealResult Reseal(SealedSecret sealedSecret, KeyRing keys, SealingKey newest)
    {
        var label = sealedSecret.Label;
        var rewritten = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var failed = new List<string>();
        var preferred = newest;
        foreach (var (name, value) in sealedSecret.EncryptedData)
        {
            var opened = cipher.TryOpen(keys.UnsealingKeys, label, value, preferred);
            if (opened is null)
            {
                failed.Add(name);
                continue;
            }

            if (opened.Key.Fingerprint != newest.Fingerprint)
            {
                preferred = opened.Key;
                rewritten[name] = cipher.Seal(newest, label, opened.Plaintext);
            }

            System.Security.Cryptography.CryptographicOperations.ZeroMemory(opened.Plaintext);
        }

        if (failed.Count > 0)
        {
            return new ResealResult([], $"no key could decrypt secret ({string.Join(", ", failed)})");
        }

        foreach (var (name, value) in rewritten)
        {
            sealedSecret.EncryptedData[name] = value;
        }

        if (rewritten.Count > 0 || !sealedSecret.Metadata.Annotations.ContainsKey(Unsealer.SealingKeyAnnotation))
        {
            sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = newest.Fingerprint;
        }

        return new ResealResult(rewritten.Keys.ToList(), null);
    }

    private static void RequireIdentity(SealingScope scope, string? @namespace, string? name, bool requireName)
    {
        if (scope != SealingScope.ClusterWide && string.IsNullOrEmpty(@namespace))
        {
            throw new InputException("a namespace is required for the strict and namespace-wide scopes (set metadata.namespace or --namespace)");
        }

        if ((requireName || scope == SealingScope.Strict) && string.IsNullOrEmpty(name))
        {
            throw new InputException(scope == SealingScope.Strict
                ? "a name is required for the strict scope (set metadata.name or --name)"
                : "metadata.name is required");
        }
    }
}

/// <summary>What a reseal changed: the keys re-encrypted, or the error that stopped it.</summary>
public sealed record ResealResult(IReadOnlyList<string> Rewritten, string? Error)
{
    public bool Changed => Rewritten.Count > 0;
}
