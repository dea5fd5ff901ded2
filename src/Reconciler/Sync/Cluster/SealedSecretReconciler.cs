using System.Collections.Concurrent;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Sync.Cluster;

/// <summary>How the controller treats the SealedSecrets it watches (Bitnami's flags).</summary>
public sealed record ClusterReconcilerOptions
{
    /// <summary>Write <c>status</c> through the status subresource (Bitnami's <c>--update-status</c>, on by default).</summary>
    public bool UpdateStatus { get; init; } = true;
}

/// <summary>
/// Turns one SealedSecret custom resource into its Secret, with the sync engine's parts: the sealed hash
/// and <see cref="Planner"/> decide without decrypting whether the Secret is current; only then the
/// <see cref="Unsealer"/> opens it and the target writes it (with a controller ownerReference to the
/// SealedSecret). The outcome goes where Bitnami's controller puts it: an Event on the SealedSecret and
/// its Synced condition.
/// </summary>
public sealed class SealedSecretReconciler(ISecretTarget target, ISealedSecretApi api, Unsealer unsealer, Func<KeyRing> keys, ClusterReconcilerOptions options, TimeProvider time, ILogger<SealedSecretReconciler> logger)
{
    /// <summary>Top-level SealedSecret annotation: do not give the Secret an ownerReference (Bitnami's name).</summary>
    public const string SkipSetOwnerReferencesAnnotation = "sealedsecrets.bitnami.com/skip-set-owner-references";

    private readonly ISingleSecretReader _reader = target as ISingleSecretReader
        ?? throw new ArgumentException($"target {target.Name} cannot read single Secrets", nameof(target));

    /// <summary>
    /// Secrets Bitnami's controller made that we found current without writing them (so their
    /// resourceVersion stays): key → sealed hash and data hash when verified, so a resync does not open them again.
    /// </summary>
    private readonly ConcurrentDictionary<SecretId, (string SealedHash, string DataHash)> _verifiedForeign = new();

    public string TargetName => target.Name;

    public async Task<ObjectResult> ReconcileAsync(ClusterSealedSecret resource, CancellationToken cancellationToken)
    {
        var id = new SecretId(resource.Namespace, resource.Name);
        DesiredSecret desired;
        try
        {
            var document = ManifestReader.ReadSingle(resource.Json, ClusterStamp.SourceOf(resource.Namespace, resource.Name));
            var sealedSecret = SealedSecretManifest.Read(document);
            sealedSecret.Metadata.Namespace = resource.Namespace;
            desired = new DesiredSecret(sealedSecret, SealedHash.Compute(sealedSecret), ClusterStamp.PathOf(resource.Namespace, resource.Name), document.Location);
        }
        catch (InputException e)
        {
            return await FinishAsync(resource, Failed(id, null, e.Message, FailureReason.Parse), SecretEvent.UnsealFailed(e.Message), cancellationToken);
        }

        var observed = await _reader.ObserveOneAsync(id, cancellationToken);
        var owner = Owner(resource, desired);
        if (observed is { Managed: true, Stamp: { } stamp } && !ClusterStamp.IsCluster(stamp.Source))
        {
            var message = $"Secret {id} is made from git ({stamp.Source}) and also by SealedSecret {id} in the cluster; remove one of them (the cluster's is not applied)";
            return await FinishAsync(resource, Failed(id, desired.Source, message, FailureReason.Update), SecretEvent.UpdateFailed(message), cancellationToken);
        }

        var controlledByThis = observed?.ControllerUid == resource.Uid;
        if (observed is not null && !observed.Managed && controlledByThis)
        {
            // Made by Bitnami's controller for this very SealedSecret: ours to keep up, as Bitnami's controller would.
            observed = observed with { Takeover = Takeover.Replace };
        }

        if (observed is not null && Planner.NotOurs(desired, observed, target.Kind) is not null)
        {
            var message = $"Resource \"{id.Name}\" already exists and is not managed by SealedSecret";
            return await FinishAsync(resource, Failed(id, desired.Source, message, FailureReason.Unmanaged) with { Kind = ChangeKind.Skipped }, SecretEvent.NotOurs(id.Name), cancellationToken);
        }

        var ownerCurrent = owner is null || controlledByThis;
        if (observed is not null && ownerCurrent && (Planner.IsCurrent(desired, observed) || IsVerifiedForeign(id, desired, observed)))
        {
            return await FinishAsync(resource, new ObjectResult(ChangeKind.Unchanged, id, desired.Source, null, null), null, cancellationToken);
        }

        var unsealed = unsealer.Unseal(desired.SealedSecret, keys());
        if (unsealed.Secret is not { } secret)
        {
            var error = unsealed.Error ?? "unknown error";
            return await FinishAsync(resource, Failed(id, desired.Source, $"SealedSecret {id}: {error}", FailureReason.Unseal), SecretEvent.UnsealFailed(error), cancellationToken);
        }

        var problems = SecretValidator.Validate(secret);
        if (problems.Count > 0)
        {
            var error = $"the unsealed Secret is invalid: {string.Join("; ", problems)}";
            return await FinishAsync(resource, Failed(id, desired.Source, $"SealedSecret {id}: {error}", FailureReason.Unseal), SecretEvent.UnsealFailed(error), cancellationToken);
        }

        if (observed is { Managed: false } && controlledByThis && SameAsBitnamiMade(desired, secret, observed))
        {
            // Left as Bitnami's controller wrote it: same data, type and metadata, so no write (its resourceVersion stays).
            _verifiedForeign[id] = (desired.SealedHash, observed.ActualDataHash);
            return await FinishAsync(resource, new ObjectResult(ChangeKind.Unchanged, id, desired.Source, null, "made by Bitnami's controller; unchanged"), null, cancellationToken);
        }

        var (mode, result) = Planner.Decide(desired, secret, observed);
        if (mode is not { } writeMode)
        {
            return await FinishAsync(resource, result, SecretEvent.UpdateFailed(result.Message ?? "the Secret cannot be updated in place"), cancellationToken);
        }

        var revision = $"{ClusterStamp.Prefix}generation {resource.Generation}";
        var write = new SecretWrite(secret, new AppliedStamp(desired.SealedHash, SecretHashes.DataHash(secret.Data), desired.Source, revision), writeMode) { Owner = owner };
        try
        {
            await target.WriteAsync(write, cancellationToken);
        }
        catch (TargetException e)
        {
            var failed = result with { Kind = ChangeKind.Failed, Message = $"writing to {target.Name} failed: {e.Message}", Reason = FailureReason.Update };
            await FinishAsync(resource, failed, SecretEvent.UpdateFailed(e.Message), cancellationToken);
            if (e.Transient)
            {
                throw;
            }

            return failed;
        }

        _verifiedForeign.TryRemove(id, out _);
        logger.LogInformation("{Kind} {Secret} from SealedSecret {Source}: {Diff}", result.Kind, id, desired.Source, result.Diff);
        return await FinishAsync(resource, result, SecretEvent.Unsealed(), cancellationToken);
    }

    /// <summary>Forgets what it verified about a SealedSecret that is gone.</summary>
    public void Forget(string @namespace, string name) => _verifiedForeign.TryRemove(new SecretId(@namespace, name), out _);

    private bool IsVerifiedForeign(SecretId id, DesiredSecret desired, ObservedSecret observed) =>
        _verifiedForeign.TryGetValue(id, out var verified) && verified.SealedHash == desired.SealedHash && verified.DataHash == observed.ActualDataHash;

    private static bool SameAsBitnamiMade(DesiredSecret desired, Secret secret, ObservedSecret observed) =>
        SecretHashes.DataHash(secret.Data) == observed.ActualDataHash
        && secret.Type == observed.Type
        && (secret.Immutable ?? false) == observed.Immutable
        && SecretDiff.ChangedEntries(observed.Labels, desired.SealedSecret.Template.Metadata.Labels).Count == 0
        && SecretDiff.ChangedEntries(observed.Annotations, desired.SealedSecret.Template.Metadata.Annotations).Count == 0;

    private static SecretOwner? Owner(ClusterSealedSecret resource, DesiredSecret desired) =>
        desired.SealedSecret.Metadata.Annotations.TryGetValue(SkipSetOwnerReferencesAnnotation, out var skip) && skip == "true"
            ? null
            : new SecretOwner(SealedSecret.ApiVersion, SealedSecret.Kind, resource.Name, resource.Uid);

    private static ObjectResult Failed(SecretId id, string? source, string message, FailureReason reason) =>
        new(ChangeKind.Failed, id, source, null, message) { Reason = reason };

    /// <summary>Records the event and the Synced condition (Bitnami: status only when it changes or the generation moved).</summary>
    private async Task<ObjectResult> FinishAsync(ClusterSealedSecret resource, ObjectResult result, SecretEvent? secretEvent, CancellationToken cancellationToken)
    {
        if (secretEvent is not null)
        {
            await api.RecordEventAsync(resource, secretEvent, cancellationToken);
        }

        if (!options.UpdateStatus)
        {
            return result;
        }

        var synced = result.Kind is ChangeKind.Create or ChangeKind.Update or ChangeKind.Unchanged;
        var reason = synced ? SecretEventReasons.Unsealed : secretEvent?.Reason ?? SecretEventReasons.UpdateFailed;
        var message = synced ? string.Empty : result.Message ?? string.Empty;
        var previous = resource.Synced;
        if (previous is not null && previous.Status == synced && previous.Reason == reason && previous.Message == message && resource.ObservedGeneration == resource.Generation)
        {
            return result;
        }

        var now = time.GetUtcNow();
        var condition = new SyncedCondition(synced, reason, message, now, previous is not null && previous.Status == synced ? previous.LastTransitionTime : now);
        try
        {
            await api.UpdateStatusAsync(resource, condition, cancellationToken);
        }
        catch (TargetException e)
        {
            // Not fatal, as in Bitnami's controller: the Secret is what matters; the next change or resync writes it again.
            logger.LogWarning("Updating the status of SealedSecret {SealedSecret} failed: {Error}", resource.Key, e.Message);
        }

        return result;
    }
}

/// <summary>How a Secret made by the cluster source is stamped, so the git sync engine never prunes it and a clash of sources is named.</summary>
public static class ClusterStamp
{
    public const string Prefix = "cluster:";

    public static string PathOf(string @namespace, string name) => $"{Prefix}sealedsecrets/{@namespace}/{name}";

    public static string SourceOf(string @namespace, string name) => $"SealedSecret {@namespace}/{name}";

    public static bool IsCluster(string source) => source.StartsWith(Prefix, StringComparison.Ordinal);
}
