using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;
using k8s.Models;

namespace GitOpsSecrets.Kubernetes;

/// <summary>Between our Secret model and the client's <see cref="V1Secret"/>, and what a cluster Secret tells a sync.</summary>
public static class SecretObjects
{
    public const string ManagedSelector = ManagedMetadata.ManagedByLabel + "=" + ManagedMetadata.ManagedByValue;

    /// <summary>The apply configuration of a Secret: only the fields we own, stamped with our label and annotations.</summary>
    public static V1Secret ToApply(Secret secret, AppliedStamp? stamp, SecretOwner? owner = null)
    {
        var labels = new Dictionary<string, string>(secret.Metadata.Labels, StringComparer.Ordinal);
        var annotations = new Dictionary<string, string>(secret.Metadata.Annotations, StringComparer.Ordinal);
        if (stamp is not null)
        {
            labels[ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue;
            foreach (var (key, value) in ManagedMetadata.StampAnnotations(stamp))
            {
                annotations[key] = value;
            }
        }

        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta
            {
                Name = secret.Metadata.Name,
                NamespaceProperty = secret.Metadata.Namespace,
                Labels = labels.Count > 0 ? labels : null,
                Annotations = annotations.Count > 0 ? annotations : null,
                OwnerReferences = owner is null ? null : [new V1OwnerReference { ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Name, Uid = owner.Uid, Controller = true }],
            },
            Type = secret.Type,
            Immutable = secret.Immutable,
            Data = secret.Data.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        };
    }

    public static Secret FromV1(V1Secret secret)
    {
        var result = new Secret
        {
            Metadata = new ObjectMetadata { Name = secret.Metadata?.Name, Namespace = secret.Metadata?.NamespaceProperty },
            Type = secret.Type ?? Secret.DefaultType,
            Immutable = secret.Immutable,
        };
        foreach (var (key, value) in secret.Metadata?.Labels ?? new Dictionary<string, string>())
        {
            result.Metadata.Labels[key] = value;
        }

        foreach (var (key, value) in secret.Metadata?.Annotations ?? new Dictionary<string, string>())
        {
            result.Metadata.Annotations[key] = value;
        }

        foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
        {
            result.Data[key] = value;
        }

        return result;
    }

    public static bool IsManaged(V1Secret secret) =>
        secret.Metadata?.Labels?.TryGetValue(ManagedMetadata.ManagedByLabel, out var value) == true && value == ManagedMetadata.ManagedByValue;

    /// <summary>What the planner needs of a cluster Secret: hashes and metadata, no value.</summary>
    public static ObservedSecret Observe(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var annotations = secret.Metadata?.Annotations ?? new Dictionary<string, string>();
        var labels = secret.Metadata?.Labels ?? new Dictionary<string, string>();
        var managed = IsManaged(secret);
        var annotationMap = new Dictionary<string, string>(annotations, StringComparer.Ordinal);
        return new ObservedSecret
        {
            Id = new SecretId(secret.Metadata?.NamespaceProperty ?? string.Empty, secret.Metadata?.Name ?? string.Empty),
            Managed = managed,
            Stamp = managed ? ManagedMetadata.ReadStamp(annotationMap) : null,
            ActualDataHash = SecretHashes.DataHash(data),
            KeyHashes = SecretHashes.KeyHashes(data),
            Type = secret.Type ?? Secret.DefaultType,
            Immutable = secret.Immutable ?? false,
            Labels = labels.Where(p => !ManagedMetadata.IsOurs(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            Annotations = annotations.Where(p => !ManagedMetadata.IsOurs(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            Takeover = managed ? Takeover.None : ManagedMetadata.TakeoverOf(annotationMap),
            ControllerUid = secret.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid,
        };
    }
}
