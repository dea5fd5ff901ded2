using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>
/// Decides, per desired Secret, whether the target's copy is current without decrypting: the stamp
/// on it must carry the same sealed hash, its data must still hash to what we wrote, and the
/// template's type, labels and annotations must still be on it. Anything else needs the plaintext.
/// </summary>
public static class Planner
{
    public static bool IsCurrent(DesiredSecret desired, ObservedSecret observed) =>
        observed.Managed
        && observed.Stamp is { } stamp
        && stamp.SealedHash == desired.SealedHash
        && stamp.DataHash == observed.ActualDataHash
        && (desired.SealedSecret.Template.Type ?? Secret.DefaultType) == observed.Type
        && (desired.SealedSecret.Template.Immutable ?? false) == observed.Immutable
        && SecretDiff.ChangedEntries(observed.Labels, desired.SealedSecret.Template.Metadata.Labels).Count == 0
        && SecretDiff.ChangedEntries(observed.Annotations, desired.SealedSecret.Template.Metadata.Annotations).Count == 0;

    /// <summary>A Secret we do not manage: taken over only when Bitnami's annotations offer it.</summary>
    public static ObjectResult? NotOurs(DesiredSecret desired, ObservedSecret observed, string targetKind) =>
        observed.Managed || (observed.Takeover != Takeover.None && targetKind == "kubernetes")
            ? null
            : new ObjectResult(ChangeKind.Skipped, desired.Id, desired.Source, null,
                targetKind == "kubernetes"
                    ? $"Secret {desired.Id} already exists and is not managed by gitops-secrets; left alone (annotate it {ManagedMetadata.BitnamiManagedAnnotation}: \"true\" to let us replace it, or {ManagedMetadata.BitnamiPatchAnnotation}: \"true\" to merge into it)"
                    : $"{desired.Id} already exists in the target and is not managed by gitops-secrets (we did not write it); left alone")
            {
                Reason = FailureReason.Unmanaged,
            };

    /// <summary>A Secret the cluster source (a SealedSecret custom resource) made, also wanted from git: refused, naming both.</summary>
    public static ObjectResult? MadeByClusterSource(DesiredSecret desired, ObservedSecret observed) =>
        observed is { Managed: true, Stamp: { } stamp } && Cluster.ClusterStamp.IsCluster(stamp.Source)
            ? new ObjectResult(ChangeKind.Failed, desired.Id, desired.Source, null,
                $"{desired.Location}: SealedSecret {desired.Id} is also a SealedSecret resource in the cluster ({Cluster.ClusterStamp.SourceOf(desired.Id.Namespace, desired.Id.Name)}), whose Secret it is; remove one of them (git's is not applied)")
            {
                Reason = FailureReason.Update,
            }
            : null;

    /// <summary>The write for an opened Secret, or why it cannot be made.</summary>
    public static (WriteMode? Mode, ObjectResult Result) Decide(DesiredSecret desired, Secret secret, ObservedSecret? observed)
    {
        if (observed is null)
        {
            return (WriteMode.Create, new ObjectResult(ChangeKind.Create, desired.Id, desired.Source, SecretDiff.ForCreate(secret), null));
        }

        var diff = SecretDiff.Between(observed, secret);
        var dataChanged = diff.DataChanged || SecretHashes.DataHash(secret.Data) != observed.ActualDataHash;
        if (!observed.Managed)
        {
            var mode = observed.Takeover == Takeover.Patch ? WriteMode.Patch : WriteMode.Replace;
            return (mode, new ObjectResult(ChangeKind.Update, desired.Id, desired.Source, diff, $"taking over ({(mode == WriteMode.Patch ? "merge" : "replace")}, Bitnami annotation)"));
        }

        var needsRecreate = (observed.Immutable && dataChanged) || observed.Type != secret.Type;
        if (needsRecreate)
        {
            if (!desired.SealedSecret.Metadata.Annotations.TryGetValue(ManagedMetadata.RecreateImmutableAnnotation, out var optIn) || optIn != "true")
            {
                var why = observed.Type != secret.Type ? $"its type changes ({observed.Type} → {secret.Type})" : "it is immutable and its data changed";
                return (null, new ObjectResult(ChangeKind.Failed, desired.Id, desired.Source, diff,
                    $"Secret {desired.Id} cannot be updated in place: {why}; annotate the SealedSecret with {ManagedMetadata.RecreateImmutableAnnotation}: \"true\" to delete and recreate it")
                {
                    Reason = FailureReason.Update,
                });
            }

            return (WriteMode.Recreate, new ObjectResult(ChangeKind.Update, desired.Id, desired.Source, diff, "deleted and recreated (immutable)"));
        }

        return (WriteMode.Update, new ObjectResult(ChangeKind.Update, desired.Id, desired.Source, diff,
            diff.IsEmpty ? (observed.Stamp is null ? "stamp restored" : "re-sealed, data unchanged") : null));
    }

    /// <summary>
    /// Secrets to prune: ours, not desired, from the target's paths, and neither protected by a failure
    /// nor made from a file that failed this time (a renamed or broken document must not make its old
    /// Secret disappear: fail closed).
    /// </summary>
    public static IEnumerable<ObservedSecret> Prunable(IEnumerable<ObservedSecret> observed, IReadOnlySet<SecretId> desiredOrProtected, IReadOnlySet<string> failedPaths, IReadOnlyList<string> paths) =>
        observed.Where(o => o.Managed
            && !desiredOrProtected.Contains(o.Id)
            && o.Stamp is { } stamp
            && !Cluster.ClusterStamp.IsCluster(stamp.Source)
            && !failedPaths.Contains(SourcePath(stamp.Source))
            && RepositoryPaths.IsUnderAny(SourcePath(stamp.Source), paths.Select(RepositoryPaths.Normalize).ToList()));

    private static string SourcePath(string source) => source.Split('#', 2)[0];
}
