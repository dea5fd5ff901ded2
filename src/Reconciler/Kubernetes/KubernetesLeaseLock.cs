using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// The lease as a <c>coordination.k8s.io/v1</c> Lease object: read, create, and replace conditioned on
/// the resource version read (the API server answers 409 when it changed). The Worker's leader
/// election sees only its <see cref="ILeaseLock"/>.
/// </summary>
public sealed class KubernetesLeaseLock(IKubernetes client, string @namespace, string name) : ILeaseLock
{
    /// <summary>A lock on the Lease in the cluster of a kubeconfig/context, through the shared client, so callers never hold a KubernetesClient type.</summary>
    public static KubernetesLeaseLock For(KubernetesClients clients, string? kubeconfig, string? context, string @namespace, string name) =>
        new(clients.Get(kubeconfig, context), @namespace, name);

    public string Description => $"lease {@namespace}/{name}";

    public async Task<LeaseRecord?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return ToRecord(await client.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace, cancellationToken: cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<LeaseRecord> CreateAsync(LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return ToRecord(await client.CoordinationV1.CreateNamespacedLeaseAsync(ToLease(record), @namespace, cancellationToken: cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new LeaseConflictException($"{Description} was created by another replica first", e);
        }
    }

    public async Task<LeaseRecord> UpdateAsync(LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return ToRecord(await client.CoordinationV1.ReplaceNamespacedLeaseAsync(ToLease(record), name, @namespace, cancellationToken: cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new LeaseConflictException($"{Description} was changed by another replica", e);
        }
    }

    private V1Lease ToLease(LeaseRecord record) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, ResourceVersion = record.ResourceVersion },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = record.HolderIdentity,
            AcquireTime = MicroTime(record.AcquireTime),
            RenewTime = MicroTime(record.RenewTime),
            LeaseDurationSeconds = record.LeaseDurationSeconds,
            LeaseTransitions = record.LeaseTransitions,
        },
    };

    private static LeaseRecord ToRecord(V1Lease lease) => new(
        lease.Spec?.HolderIdentity,
        ToTime(lease.Spec?.AcquireTime),
        ToTime(lease.Spec?.RenewTime),
        lease.Spec?.LeaseDurationSeconds ?? 0,
        lease.Spec?.LeaseTransitions ?? 0,
        lease.Metadata?.ResourceVersion);

    /// <summary>
    /// The API server decodes a Lease's MicroTime only with exactly six fractional digits and answers
    /// anything else with 400, but KubernetesClient writes a time whose fraction is zero as "…:05Z".
    /// So the time is cut to microseconds and a whole second is moved one microsecond on, which always
    /// serializes as ".000001Z".
    /// </summary>
    private static DateTime? MicroTime(DateTimeOffset? value)
    {
        if (value is not { } time)
        {
            return null;
        }

        var utc = time.UtcDateTime;
        var micro = utc.AddTicks(-(utc.Ticks % 10));
        return micro.Ticks % TimeSpan.TicksPerSecond == 0 ? micro.AddTicks(10) : micro;
    }

    private static DateTimeOffset? ToTime(DateTime? value) =>
        value is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
}
