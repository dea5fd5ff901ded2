using GitOpsSecrets.Restarts;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Sync;

/// <summary>
/// The sync's last step for targets that run workloads: after Secrets were written, roll the opted-in
/// workloads that use changed data. Looks only at namespaces with a changed Secret, except on the first
/// sync of this process and after a pass that failed: then at every namespace holding a Secret of ours,
/// so a rollout interrupted by a crash or an API error is done by the next sync (the hash on the pod
/// template says what was already rolled). Never fails the sync: problems are warnings.
/// </summary>
internal sealed class WorkloadRestarts(ILogger logger)
{
    private readonly HashSet<string> _scanned = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<string>> RestartAsync(SyncTarget target, SecretStates states, List<RolloutResult> rollouts, CancellationToken cancellationToken)
    {
        if (target.Target is not IWorkloadRestarter restarter)
        {
            return [];
        }

        var everywhere = !_scanned.Contains(target.Name);
        var namespaces = (everywhere ? states.Namespaces : states.Changed.Select(id => id.Namespace)).Distinct(StringComparer.Ordinal).ToList();
        if (namespaces.Count == 0)
        {
            return [];
        }

        _scanned.Remove(target.Name);
        try
        {
            var results = await restarter.RestartAsync(namespaces, states, cancellationToken);
            rollouts.AddRange(results);
            foreach (var rolled in results.Where(r => r.Succeeded))
            {
                logger.LogInformation("Rolled {Workload} in {Target}: {Why}", rolled.Workload, target.Name, rolled.Secrets.Count > 0 ? $"Secret(s) {string.Join(", ", rolled.Secrets)} changed" : "its pod template hash was out of date");
            }

            if (results.All(r => r.Succeeded))
            {
                _scanned.Add(target.Name);
            }

            return results.Where(r => !r.Succeeded).Select(r => $"target {target.Name}: {r.Error}").ToList();
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            logger.LogWarning("Workload restarts in {Target} failed: {Error}", target.Name, e.Message);
            return [$"target {target.Name}: workload restarts: {e.Message}"];
        }
    }
}
