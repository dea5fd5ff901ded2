namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// A lease as <c>coordination.k8s.io/v1</c> stores it: who holds it, since when, when it was last
/// renewed, for how long a renewal counts, and how often it changed hands. The resource version makes
/// every update conditional on the record not having changed since it was read.
/// </summary>
public sealed record LeaseRecord(
    string? HolderIdentity,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    int LeaseDurationSeconds,
    int LeaseTransitions,
    string? ResourceVersion = null);

/// <summary>The one lease record the electors of a worker compete for.</summary>
public interface ILeaseLock
{
    /// <summary>For messages: "lease kube-system/gitops-secrets-leader".</summary>
    string Description { get; }

    /// <summary>The current record, or null when no lease exists yet.</summary>
    Task<LeaseRecord?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the lease; <see cref="LeaseConflictException"/> when someone else created it first.</summary>
    Task<LeaseRecord> CreateAsync(LeaseRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the lease if its resource version is still <paramref name="record"/>'s;
    /// <see cref="LeaseConflictException"/> when it changed in between.
    /// </summary>
    Task<LeaseRecord> UpdateAsync(LeaseRecord record, CancellationToken cancellationToken);
}

/// <summary>Someone else wrote the lease between our read and our write (HTTP 409).</summary>
public sealed class LeaseConflictException : Exception
{
    public LeaseConflictException(string message)
        : base(message)
    {
    }

    public LeaseConflictException()
    {
    }

    public LeaseConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
