using GitOpsSecrets.Restarts;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>Reasons of the Events on rolled workloads: Stakater Reloader's, so alerts written for it keep working.</summary>
public static class RestartEventReasons
{
    public const string Reloaded = "Reloaded";
    public const string ReloadFailed = "ReloadFail";
}

/// <summary>
/// Rolls opted-in Deployments, StatefulSets and DaemonSets in a cluster: reads them (one LIST per kind
/// and namespace), lets <see cref="RestartPlanner"/> decide, and server-side applies the one pod-template
/// annotation <see cref="RestartAnnotations.SecretsHash"/> as field manager <c>gitops-secrets</c>; the
/// workload's own controller then rolls its pods. Each rollout is logged and evented on the workload.
/// </summary>
public sealed class KubernetesWorkloadRestarter(string targetName, IKubernetes client, ApiCaller api, KubernetesEventRecorder? events, ILogger logger) : IWorkloadRestarter
{
    public async Task<IReadOnlyList<RolloutResult>> RestartAsync(IReadOnlyCollection<string> namespaces, SecretStates states, CancellationToken cancellationToken)
    {
        var workloads = new List<Workload>();
        foreach (var @namespace in namespaces.Order(StringComparer.Ordinal))
        {
            workloads.AddRange(await ReadAsync(@namespace, cancellationToken));
        }

        var results = new List<RolloutResult>();
        foreach (var rollout in RestartPlanner.Plan(workloads, states))
        {
            results.Add(await RollAsync(rollout, cancellationToken));
        }

        return results;
    }

    private async Task<IEnumerable<Workload>> ReadAsync(string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            var deployments = await api.CallAsync($"listing Deployments in namespace {@namespace}", ct => client.AppsV1.ListNamespacedDeploymentAsync(@namespace, cancellationToken: ct), cancellationToken);
            var statefulSets = await api.CallAsync($"listing StatefulSets in namespace {@namespace}", ct => client.AppsV1.ListNamespacedStatefulSetAsync(@namespace, cancellationToken: ct), cancellationToken);
            var daemonSets = await api.CallAsync($"listing DaemonSets in namespace {@namespace}", ct => client.AppsV1.ListNamespacedDaemonSetAsync(@namespace, cancellationToken: ct), cancellationToken);
            return deployments.Items.Select(d => Read(WorkloadKind.Deployment, @namespace, d.Metadata, d.Spec?.Template))
                .Concat(statefulSets.Items.Select(s => Read(WorkloadKind.StatefulSet, @namespace, s.Metadata, s.Spec?.Template)))
                .Concat(daemonSets.Items.Select(s => Read(WorkloadKind.DaemonSet, @namespace, s.Metadata, s.Spec?.Template)))
                .Where(w => w.OptIn is not null)
                .ToList();
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"target {targetName}: reading workloads in namespace {@namespace} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    private static Workload Read(WorkloadKind kind, string @namespace, V1ObjectMeta metadata, V1PodTemplateSpec? template) =>
        new(
            new WorkloadId(kind, @namespace, metadata.Name),
            Annotation(metadata.Annotations, RestartAnnotations.OptIn),
            Annotation(template?.Metadata?.Annotations, RestartAnnotations.SecretsHash),
            WorkloadPodSpecs.SecretUses(template?.Spec))
        {
            Uid = metadata.Uid,
        };

    private static string? Annotation(IDictionary<string, string>? annotations, string key) =>
        annotations is not null && annotations.TryGetValue(key, out var value) ? value : null;

    private async Task<RolloutResult> RollAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var id = rollout.Id;
        var reference = new V1ObjectReference { ApiVersion = "apps/v1", Kind = id.Kind.ToString(), Name = id.Name, NamespaceProperty = id.Namespace, Uid = rollout.Workload.Uid };
        var secrets = rollout.Secrets.Count > 0 ? string.Join(", ", rollout.Secrets) : "(none: the pod template's hash was out of date)";
        try
        {
            var patch = new V1Patch(ApplyBody(rollout), V1Patch.PatchType.ApplyPatch);
            await api.CallAsync($"rolling {id}", ct => PatchAsync(id, patch, ct), cancellationToken);
            logger.LogDebug("Applied {Annotation} {Hash} to {Workload} in {Target}", RestartAnnotations.SecretsHash, rollout.Hash, id, targetName);
            if (events is not null)
            {
                await events.RecordAsync(reference, new SecretEvent(false, RestartEventReasons.Reloaded, $"Secret(s) {secrets} changed; pod template annotation {RestartAnnotations.SecretsHash} set to {rollout.Hash}"), cancellationToken);
            }

            return new RolloutResult(id, rollout.Hash, rollout.Secrets, null);
        }
        catch (Exception e) when (e is HttpOperationException or TargetException)
        {
            // After its retries the caller wraps the server's answer; report the answer itself.
            var why = e is TargetException { InnerException: { } inner } ? $"{ApiCaller.Describe(inner)} (gave up after retrying)" : ApiCaller.Describe(e);
            var error = $"rolling {id} failed: {why}";
            logger.LogWarning("In {Target}: {Error}", targetName, error);
            if (events is not null)
            {
                await events.RecordAsync(reference, new SecretEvent(true, RestartEventReasons.ReloadFailed, $"Secret(s) {secrets} changed, but {error}"), cancellationToken);
            }

            return new RolloutResult(id, rollout.Hash, rollout.Secrets, error);
        }
    }

    /// <summary>Only our annotation: server-side apply leaves every other field to its owner.</summary>
    private static Dictionary<string, object> ApplyBody(Rollout rollout) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = rollout.Id.Kind.ToString(),
        ["metadata"] = new Dictionary<string, object> { ["name"] = rollout.Id.Name, ["namespace"] = rollout.Id.Namespace },
        ["spec"] = new Dictionary<string, object>
        {
            ["template"] = new Dictionary<string, object>
            {
                ["metadata"] = new Dictionary<string, object> { ["annotations"] = new Dictionary<string, string> { [RestartAnnotations.SecretsHash] = rollout.Hash } },
            },
        },
    };

    private Task<object> PatchAsync(WorkloadId id, V1Patch patch, CancellationToken cancellationToken) => id.Kind switch
    {
        WorkloadKind.Deployment => Boxed(client.AppsV1.PatchNamespacedDeploymentAsync(patch, id.Name, id.Namespace, fieldManager: KubernetesTarget.FieldManager, force: true, cancellationToken: cancellationToken)),
        WorkloadKind.StatefulSet => Boxed(client.AppsV1.PatchNamespacedStatefulSetAsync(patch, id.Name, id.Namespace, fieldManager: KubernetesTarget.FieldManager, force: true, cancellationToken: cancellationToken)),
        _ => Boxed(client.AppsV1.PatchNamespacedDaemonSetAsync(patch, id.Name, id.Namespace, fieldManager: KubernetesTarget.FieldManager, force: true, cancellationToken: cancellationToken)),
    };

    private static async Task<object> Boxed<T>(Task<T> task) => (await task)!;
}
