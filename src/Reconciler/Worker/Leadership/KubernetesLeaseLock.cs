using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Worker.Leadership;

/// <summary>
/// The lease as a <c>coordination.k8s.io/v1</c> Lease object: read, create, and replace conditioned on
/// the resource version read (the API server answers 409 when it changed). The only place the Worker
/// room speaks to the Kubernetes API.
/// </summary>
public sealed class KubernetesLeaseLock(IKubernetes client, string @namespace, string name) : ILeaseLock
{
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
            AcquireTime = record.AcquireTime?.UtcDateTime,
            RenewTime = record.RenewTime?.UtcDateTime,
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

    private static DateTimeOffset? ToTime(DateTime? value) =>
        value is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
}
