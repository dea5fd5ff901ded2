using GitOpsSecrets.Restarts;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>How a Kubernetes target behaves beyond where it points.</summary>
public sealed record KubernetesTargetOptions
{
    /// <summary>Take fields another field manager owns instead of failing on the conflict.</summary>
    public bool ForceConflicts { get; init; }

    /// <summary>Create a missing namespace instead of failing the Secrets bound for it.</summary>
    public bool CreateNamespaces { get; init; }

    /// <summary>Record Bitnami-like events on the Secrets written or refused.</summary>
    public bool RecordEvents { get; init; } = true;

    public KubernetesRetryPolicy Retry { get; init; } = new();

    /// <summary>Roll opted-in workloads that use changed Secrets (<see cref="RestartAnnotations.OptIn"/>).</summary>
    public bool RestartWorkloads { get; init; } = true;

    /// <summary>Items per page of the LISTs that observe Secrets (<c>limit</c>), so a large namespace is never held whole.</summary>
    public int ListPageSize { get; init; } = PagedSecretList.DefaultPageSize;
}

/// <summary>
/// Secrets in a cluster. Reads one LIST per namespace with our label (plus a GET for each wanted Secret
/// the LIST did not return, to find Secrets we may take over), writes by server-side apply as field
/// manager <c>gitops-secrets</c>, and deletes only Secrets that still carry our label, with a
/// precondition so a Secret changed since it was read is not deleted.
/// </summary>
public sealed class KubernetesTarget : ISecretTarget, ISecretEventRecorder, IWorkloadRestarter, IHasSharedAccess, ISingleSecretReader
{
    /// <summary>Above this many unlabelled wanted Secrets in one namespace, one LIST replaces the GETs.</summary>
    private const int GetsBeforeList = 8;

    public const string FieldManager = "gitops-secrets";

    private readonly IKubernetes _client;
    private readonly KubernetesTargetOptions _options;
    private readonly ApiCaller _api;
    private readonly KubernetesEventRecorder _events;
    private readonly ILogger _logger;

    /// <summary>The uids of the Secrets the last observation saw, so events about them carry it without another read.</summary>
    private volatile IReadOnlyDictionary<SecretId, string> _observedUids = new Dictionary<SecretId, string>();

    public KubernetesTarget(string name, IKubernetes client, KubernetesTargetOptions options, TimeProvider time, ILogger<KubernetesTarget> logger)
    {
        Name = name;
        _client = client;
        _options = options;
        _logger = logger;
        _api = new ApiCaller(options.Retry, time, logger);
        _events = new KubernetesEventRecorder(client, time, logger);
        SharedAccess = new KubernetesSharedAccess(name, client, _api, logger);
    }

    /// <summary>Roles, RoleBindings and image pull attachments for SharedSecrets (docs/shared-secrets.md).</summary>
    public ISharedAccessTarget SharedAccess { get; }

    public string Name { get; }

    public string Kind => "kubernetes";

    public async Task<IReadOnlyList<ObservedSecret>> ObserveAsync(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted, CancellationToken cancellationToken)
    {
        // Each page is reduced to hashes and the uid at once: values are never held beyond one page.
        var observed = new List<(ObservedSecret Secret, string? Uid)>();
        try
        {
            if (namespaces is null)
            {
                observed.AddRange(await PagedSecretList.ReadAsync(_api, "listing Secrets in every namespace", (next, ct) => _client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: next, labelSelector: SecretObjects.ManagedSelector, limit: _options.ListPageSize, cancellationToken: ct), Observe, cancellationToken));
            }
            else
            {
                foreach (var @namespace in namespaces.Order(StringComparer.Ordinal))
                {
                    observed.AddRange(await PagedSecretList.ReadAsync(_api, $"listing Secrets in namespace {@namespace}", (next, ct) => _client.CoreV1.ListNamespacedSecretAsync(@namespace, continueParameter: next, labelSelector: SecretObjects.ManagedSelector, limit: _options.ListPageSize, cancellationToken: ct), Observe, cancellationToken));
                }
            }

            var listed = observed.Select(o => o.Secret.Id).ToHashSet();
            var unlisted = wanted.Where(id => !listed.Contains(id) && (namespaces is null || namespaces.Contains(id.Namespace))).Distinct();
            foreach (var inNamespace in unlisted.GroupBy(id => id.Namespace).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                observed.AddRange(await ReadUnlabelledAsync(inNamespace.Key, inNamespace.ToHashSet(), cancellationToken));
            }
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"target {Name}: reading Secrets failed: {ApiCaller.Describe(e)}", e);
        }

        var uids = new Dictionary<SecretId, string>();
        foreach (var (secret, uid) in observed.Where(o => o.Uid is not null))
        {
            uids.TryAdd(secret.Id, uid!);
        }

        _observedUids = uids;
        return observed.Select(o => o.Secret).ToList();
    }

    private static (ObservedSecret Secret, string? Uid) Observe(V1Secret secret) => (SecretObjects.Observe(secret), secret.Metadata?.Uid);

    /// <summary>
    /// Wanted Secrets that do not carry our label: a pre-existing Secret may only be taken over when it
    /// asks to be, so each must be seen before the first write. A few are read one by one; many (a first
    /// sync into a populated cluster) with one unfiltered LIST of their namespace instead of a GET each.
    /// </summary>
    private async Task<IEnumerable<(ObservedSecret Secret, string? Uid)>> ReadUnlabelledAsync(string @namespace, HashSet<SecretId> ids, CancellationToken cancellationToken)
    {
        if (ids.Count > GetsBeforeList)
        {
            var all = await PagedSecretList.ReadAsync(_api, $"listing Secrets in namespace {@namespace}", (next, ct) => _client.CoreV1.ListNamespacedSecretAsync(@namespace, continueParameter: next, limit: _options.ListPageSize, cancellationToken: ct), secret => ids.Contains(new SecretId(@namespace, secret.Metadata.Name)) ? Observe(secret) : default((ObservedSecret, string?)?), cancellationToken);
            return all.OfType<(ObservedSecret, string?)>();
        }

        var found = new List<(ObservedSecret, string?)>();
        foreach (var id in ids.OrderBy(id => id.Name, StringComparer.Ordinal))
        {
            if (await ReadAsync(id, cancellationToken) is { } existing)
            {
                found.Add(Observe(existing));
            }
        }

        return found;
    }

    public async Task WriteAsync(SecretWrite write, CancellationToken cancellationToken)
    {
        V1Secret written;
        try
        {
            written = await WriteOnceAsync(write, cancellationToken);
        }
        catch (TargetException e)
        {
            if (_options.RecordEvents)
            {
                await _events.RecordAsync(write.Id, UidOf(write.Id), SecretEvent.UpdateFailed(e.Message), cancellationToken);
            }

            throw;
        }

        if (_options.RecordEvents)
        {
            await _events.RecordAsync(write.Id, written.Metadata?.Uid, SecretEvent.Unsealed(), cancellationToken);
        }
    }

    public async Task DeleteAsync(SecretId id, CancellationToken cancellationToken)
    {
        try
        {
            var current = await ReadAsync(id, cancellationToken);
            if (current is null)
            {
                return;
            }

            if (!SecretObjects.IsManaged(current))
            {
                throw new TargetException($"Secret {id} no longer carries {SecretObjects.ManagedSelector}; not deleted");
            }

            var preconditions = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid, ResourceVersion = current.Metadata.ResourceVersion } };
            await _api.CallAsync($"deleting Secret {id}", ct => _client.CoreV1.DeleteNamespacedSecretAsync(id.Name, id.Namespace, preconditions, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            // Already gone: what a delete wants.
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 409)
        {
            throw new TargetException($"Secret {id} changed since it was read; not deleted this time", e);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"deleting Secret {id} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    /// <summary>Rolls opted-in workloads that use changed Secrets (see <see cref="KubernetesWorkloadRestarter"/>).</summary>
    public Task<IReadOnlyList<RolloutResult>> RestartAsync(IReadOnlyCollection<string> namespaces, SecretStates states, CancellationToken cancellationToken) =>
        _options.RestartWorkloads
            ? new KubernetesWorkloadRestarter(Name, _client, _api, _options.RecordEvents ? _events : null, _logger).RestartAsync(namespaces, states, cancellationToken)
            : Task.FromResult<IReadOnlyList<RolloutResult>>([]);

    /// <summary>One Secret by a GET (null when it does not exist), for the cluster controller, which handles one SealedSecret at a time.</summary>
    public async Task<ObservedSecret?> ObserveOneAsync(SecretId id, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(id, cancellationToken) is { } secret ? SecretObjects.Observe(secret) : null;
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"target {Name}: reading Secret {id} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    /// <summary>Lets the sync engine record what only it knows (unseal failures, Secrets left alone) on the Secret.</summary>
    public Task RecordAsync(SecretId id, SecretEvent secretEvent, CancellationToken cancellationToken) =>
        _options.RecordEvents ? _events.RecordAsync(id, UidOf(id), secretEvent, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The uid of the Secret an event is about, as this sync observed it (events are about wanted Secrets,
    /// which the observation always reads); null when it did not exist then.
    /// </summary>
    private string? UidOf(SecretId id) => _observedUids.GetValueOrDefault(id);

    private async Task<V1Secret> WriteOnceAsync(SecretWrite write, CancellationToken cancellationToken)
    {
        var id = write.Id;
        try
        {
            if (write.Mode == WriteMode.Recreate)
            {
                await DeleteForRecreateAsync(id, cancellationToken);
            }

            // Taking over a Secret someone else wrote means taking the fields they own.
            var force = _options.ForceConflicts || write.Mode is WriteMode.Replace or WriteMode.Patch;
            var applied = await ApplyCreatingNamespaceAsync(write, force, cancellationToken);
            if (write.Mode == WriteMode.Replace)
            {
                await DropForeignKeysAsync(id, applied, write.Secret.Data.Keys, cancellationToken);
            }

            return applied;
        }
        catch (HttpOperationException e)
        {
            throw Translate(id, e);
        }
    }

    private async Task<V1Secret> ApplyCreatingNamespaceAsync(SecretWrite write, bool force, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyAsync(write, force, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404 && ApiCaller.StatusDetailsKind(e) == "namespaces")
        {
            if (!_options.CreateNamespaces)
            {
                throw new TargetException($"namespace {write.Id.Namespace} does not exist, so Secret {write.Id} cannot be written (create it, or set createNamespaces on target {Name})", e);
            }

            await CreateNamespaceAsync(write.Id.Namespace, cancellationToken);
            return await ApplyAsync(write, force, cancellationToken);
        }
    }

    private async Task<V1Secret> ApplyAsync(SecretWrite write, bool force, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(SecretObjects.ToApply(write.Secret, write.Stamp, write.Owner), V1Patch.PatchType.ApplyPatch);
        Task<V1Secret> Apply(bool withForce) =>
            _api.CallAsync($"applying Secret {write.Id}", ct => _client.CoreV1.PatchNamespacedSecretAsync(patch, write.Id.Name, write.Id.Namespace, fieldManager: FieldManager, force: withForce, cancellationToken: ct), cancellationToken);
        try
        {
            return await Apply(force);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 409 && write.Mode == WriteMode.Update && IsDrift(ConflictFields(e)))
        {
            // Someone edited values of a Secret we manage (kubectl edit took those fields): drift, which
            // the next sync corrects by taking the fields back. Conflicts elsewhere still need forceConflicts.
            _logger.LogWarning("Secret {Secret} in {Target} was changed by another field manager ({Fields}); taking the fields back", write.Id, Name, string.Join(", ", ConflictFields(e)));
            return await Apply(true);
        }
    }

    private static bool IsDrift(IReadOnlyList<string> fields) =>
        fields.Count > 0 && fields.All(f => f.StartsWith(".data.", StringComparison.Ordinal) || f is ".type" or ".immutable"
            || f.StartsWith(".metadata.annotations." + ManagedMetadata.AnnotationPrefix, StringComparison.Ordinal)
            || f == ".metadata.labels." + ManagedMetadata.ManagedByLabel);

    private static IReadOnlyList<string> ConflictFields(HttpOperationException e)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(e.Response.Content ?? string.Empty);
            return document.RootElement.TryGetProperty("details", out var details) && details.TryGetProperty("causes", out var causes)
                ? causes.EnumerateArray().Where(c => c.TryGetProperty("field", out _)).Select(c => c.GetProperty("field").GetString() ?? string.Empty).ToList()
                : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private async Task CreateNamespaceAsync(string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            var body = new V1Namespace { Metadata = new V1ObjectMeta { Name = @namespace, Labels = new Dictionary<string, string> { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue } } };
            await _api.CallAsync($"creating namespace {@namespace}", ct => _client.CoreV1.CreateNamespaceAsync(body, fieldManager: FieldManager, cancellationToken: ct), cancellationToken);
            _logger.LogInformation("Created namespace {Namespace} in {Target}", @namespace, Name);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 409)
        {
            // Someone else created it meanwhile: fine.
        }
    }

    /// <summary>Replace takeover: keys the old Secret had that ours lacks are removed, so it holds exactly what was sealed.</summary>
    private async Task DropForeignKeysAsync(SecretId id, V1Secret applied, IEnumerable<string> ours, CancellationToken cancellationToken)
    {
        var wanted = ours.ToHashSet(StringComparer.Ordinal);
        var foreign = (applied.Data?.Keys ?? []).Where(k => !wanted.Contains(k)).ToList();
        if (foreign.Count == 0)
        {
            return;
        }

        var removal = new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?> { ["resourceVersion"] = applied.Metadata.ResourceVersion },
            ["data"] = foreign.ToDictionary(k => k, _ => (object?)null, StringComparer.Ordinal),
        };
        await _api.CallAsync($"removing keys from Secret {id}", ct => _client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(removal, V1Patch.PatchType.MergePatch), id.Name, id.Namespace, fieldManager: FieldManager, cancellationToken: ct), cancellationToken);
    }

    private async Task DeleteForRecreateAsync(SecretId id, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(id, cancellationToken);
        if (current is null)
        {
            return;
        }

        if (!SecretObjects.IsManaged(current))
        {
            throw new TargetException($"Secret {id} is not managed by gitops-secrets; it is not deleted to recreate it");
        }

        try
        {
            var preconditions = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid } };
            await _api.CallAsync($"deleting Secret {id} to recreate it", ct => _client.CoreV1.DeleteNamespacedSecretAsync(id.Name, id.Namespace, preconditions, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            // Gone already.
        }
    }

    private async Task<V1Secret?> ReadAsync(SecretId id, CancellationToken cancellationToken)
    {
        try
        {
            return await _api.CallAsync($"reading Secret {id}", ct => _client.CoreV1.ReadNamespacedSecretAsync(id.Name, id.Namespace, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            return null;
        }
    }

    private TargetException Translate(SecretId id, HttpOperationException e)
    {
        var message = ApiCaller.StatusField(e, "message") ?? string.Empty;
        return ApiCaller.StatusCode(e) switch
        {
            422 when message.Contains("field is immutable", StringComparison.Ordinal) => new TargetException(
                $"Secret {id} is immutable and its data or type changed, so it cannot be updated in place; annotate the SealedSecret with {ManagedMetadata.RecreateImmutableAnnotation}: \"true\" to delete and recreate it", e),
            409 when message.StartsWith("Apply failed", StringComparison.Ordinal) => new TargetException(
                $"Secret {id}: fields are owned by another field manager ({message.ReplaceLineEndings(" ")}); set forceConflicts on target {Name} to take them", e),
            _ => new TargetException($"writing Secret {id} to {Name} failed: {ApiCaller.Describe(e)}", e),
        };
    }
}
