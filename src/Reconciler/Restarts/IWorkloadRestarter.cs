namespace GitOpsSecrets.Restarts;

/// <summary>What became of one rollout: done, or failed with a reason (names only, never a value).</summary>
public sealed record RolloutResult(WorkloadId Workload, string Hash, IReadOnlyList<string> Secrets, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Implemented by a target that runs workloads (a cluster): after a sync has written Secrets, finds the
/// opted-in workloads using them and rolls those whose used data changed (see <see cref="RestartPlanner"/>).
/// </summary>
public interface IWorkloadRestarter
{
    /// <summary>
    /// Looks at the workloads in <paramref name="namespaces"/> and rolls what <see cref="RestartPlanner"/>
    /// decides. Throws only when the workloads cannot be read at all; a failed rollout is a result.
    /// </summary>
    Task<IReadOnlyList<RolloutResult>> RestartAsync(IReadOnlyCollection<string> namespaces, SecretStates states, CancellationToken cancellationToken);
}
