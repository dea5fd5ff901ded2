using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>Turns Secrets into SealedSecrets shaped like kubeseal's, and re-encrypts existing ones.</summary>
public sealed class Sealer(ValueCipher cipher)
{
    /// <summary>Annotations that would leak the plaintext if copied into the template.</summary>
    public static readonly IReadOnlyList<string> LastAppliedAnnotations =
    [
        "kubectl.kubernetes.io/last-applied-configuration",
        "kubecfg.ksonnet.io/last-applied-configuration",
    ];

    public SealedSecret Seal(Secret secret, CipherKey key, SealingScope scope)
    {
        if (string.IsNullOrEmpty(secret.Metadata.Name))
        {
            throw new InputException("missing metadata.name in input Secret");
        }

        if (scope != SealingScope.ClusterWide && string.IsNullOrEmpty(secret.Metadata.Namespace))
        {
            throw new InputException("secret must declare a namespace");
        }

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
    public void MergeInto(SealedSecret existing, Secret secret, CipherKey key)
    {
        var label = existing.Label;
        foreach (var (name, value) in secret.Data)
        {
            existing.EncryptedData[name] = cipher.Seal(key, label, value);
        }

        // Template labels and annotations merge too, as kubeseal's do (its version crashes when the
        // existing template has none; ours are always-present maps).
        foreach (var (name, value) in secret.Metadata.Labels)
        {
            existing.Template.Metadata.Labels[name] = value;
        }

        foreach (var (name, value) in secret.Metadata.Annotations.Where(a => !LastAppliedAnnotations.Contains(a.Key) && !a.Key.StartsWith("sealedsecrets.bitnami.com/", StringComparison.Ordinal)))
        {
            existing.Template.Metadata.Annotations[name] = value;
        }

        existing.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = key.Fingerprint;
    }

    /// <summary>One value for a given scope and identity (<c>--raw</c>).</summary>
    public string SealRaw(byte[] value, CipherKey key, SealingScope scope, string? @namespace, string? name)
    {
        if (scope != SealingScope.ClusterWide && string.IsNullOrEmpty(@namespace))
        {
            throw new InputException($"must provide the --namespace flag with --raw and --scope {SealingScopes.Format(scope)}");
        }

        if (scope == SealingScope.Strict && string.IsNullOrEmpty(name))
        {
            throw new InputException("must provide the --name flag with --raw and --scope strict");
        }

        return cipher.Seal(key, SealingScopes.Label(scope, @namespace, name), value);
    }

    /// <summary>
    /// Re-encrypts every value not already sealed to <paramref name="newest"/>; metadata, template and
    /// scope stay exactly as they were. Returns the keys rewritten (empty: nothing to do), or the
    /// failure that stopped it, in which case <paramref name="sealedSecret"/> is unchanged.
    /// </summary>
    public ResealResult Reseal(SealedSecret sealedSecret, IUnsealingKeys keys, CipherKey newest)
    {
        var label = sealedSecret.Label;
        var rewritten = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var failed = new List<string>();
        var sealedBy = new SortedSet<string>(StringComparer.Ordinal);

        // Try the key the annotation names first (a hint, never trusted): a stale manifest then costs one
        // private operation per value instead of a failed try with the newest key first.
        var preferred = sealedSecret.Metadata.Annotations.TryGetValue(Unsealer.SealingKeyAnnotation, out var hint) && keys.Find(hint) is { CanUnseal: true } hinted
            ? hinted
            : newest;
        foreach (var (name, value) in sealedSecret.EncryptedData)
        {
            var opened = cipher.TryOpen(keys.UnsealingKeys, label, value, preferred);
            if (opened is null)
            {
                failed.Add(name);
                continue;
            }

            sealedBy.Add(opened.Key.Fingerprint);
            if (opened.Key.Fingerprint != newest.Fingerprint)
            {
                preferred = opened.Key;
                rewritten[name] = cipher.Seal(newest, label, opened.Plaintext);
            }

            System.Security.Cryptography.CryptographicOperations.ZeroMemory(opened.Plaintext);
        }

        if (failed.Count > 0)
        {
            return new ResealResult([], $"no key could decrypt secret ({string.Join(", ", failed)})") { SealedBy = sealedBy.ToList() };
        }

        foreach (var (name, value) in rewritten)
        {
            sealedSecret.EncryptedData[name] = value;
        }

        if (rewritten.Count > 0 || !sealedSecret.Metadata.Annotations.ContainsKey(Unsealer.SealingKeyAnnotation))
        {
            sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = newest.Fingerprint;
        }

        return new ResealResult(rewritten.Keys.ToList(), null) { SealedBy = sealedBy.ToList() };
    }
}

/// <summary>What a reseal changed: the keys re-encrypted, or the error that stopped it.</summary>
public sealed record ResealResult(IReadOnlyList<string> Rewritten, string? Error)
{
    /// <summary>Fingerprints of the keys the values were sealed to before (the ones that opened them).</summary>
    public IReadOnlyList<string> SealedBy { get; init; } = [];

    public bool Changed => Rewritten.Count > 0;
}
