using System.Globalization;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>Writes core/v1 Events whose involved object is the Secret (name and, when known, uid), as client-go's recorder does.</summary>
public sealed class KubernetesEventRecorder(IKubernetes client, TimeProvider time, ILogger logger) : ISecretEventRecorder
{
    public const string Component = "gitops-secrets";

    public Task RecordAsync(SecretId id, SecretEvent secretEvent, CancellationToken cancellationToken) => RecordAsync(id, null, secretEvent, cancellationToken);

    /// <summary>
    /// Records the event with the Secret's uid when it is known: tools that show an object's events
    /// (Argo CD's resource events, <c>kubectl describe</c> for most kinds) select them by involvedObject.uid,
    /// so an event without it is never shown there.
    /// </summary>
    public Task RecordAsync(SecretId id, string? uid, SecretEvent secretEvent, CancellationToken cancellationToken) =>
        RecordAsync(new V1ObjectReference { ApiVersion = "v1", Kind = "Secret", Name = id.Name, NamespaceProperty = id.Namespace, Uid = uid }, secretEvent, cancellationToken);

    /// <summary>Records the event on any object: a workload we rolled, a key Secret we retired, a SealedSecret (the cluster controller, as Bitnami's does).</summary>
    public async Task RecordAsync(V1ObjectReference involved, SecretEvent secretEvent, CancellationToken cancellationToken)
    {
        var id = new SecretId(involved.NamespaceProperty, involved.Name);
        var now = time.GetUtcNow();
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                // client-go names events NAME.<unix nanoseconds in hex>; the name is cut so the whole stays a valid name.
                Name = $"{(id.Name.Length > 200 ? id.Name[..200].TrimEnd('.', '-') : id.Name)}.{(now.ToUnixTimeMilliseconds() * 1_000_000).ToString("x", CultureInfo.InvariantCulture)}{Random.Shared.Next(0x1000):x3}",
                NamespaceProperty = id.Namespace,
            },
            InvolvedObject = involved,
            Reason = secretEvent.Reason,
            Message = secretEvent.Message,
            Type = secretEvent.Warning ? "Warning" : "Normal",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = Environment.MachineName,
            FirstTimestamp = now.UtcDateTime,
            LastTimestamp = now.UtcDateTime,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, id.Namespace, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Recording event {Reason} on {Kind} {Object} failed: {Error}", secretEvent.Reason, involved.Kind, id, ApiCaller.Describe(e));
        }
    }
}
