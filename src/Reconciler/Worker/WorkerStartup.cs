using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Leadership;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker;

/// <summary>
/// At start: reads the keys, schedules the first sync and key check at once, and from then on fires
/// both again whenever this replica becomes the leader.
/// </summary>
public sealed class WorkerStartup(CurrentKeys keys, WorkerJobs jobs, ILeadership leadership, WorkerConfiguration configuration, ILogger<WorkerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await keys.RefreshAsync(logger, cancellationToken);
        leadership.Changed += OnLeadershipChanged;
        if (configuration.UsesGit)
        {
            await jobs.TriggerSyncAsync(cancellationToken);
        }

        await jobs.TriggerRenewalAsync(cancellationToken);
        logger.LogInformation("Worker {Identity} started; keys from {Store}", leadership.Identity, keys.StoreDescription);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        leadership.Changed -= OnLeadershipChanged;
        return Task.CompletedTask;
    }

    private void OnLeadershipChanged(bool leading)
    {
        if (!leading)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (configuration.UsesGit)
                {
                    await jobs.TriggerSyncAsync(CancellationToken.None);
                }

                await jobs.TriggerRenewalAsync(CancellationToken.None);
            }
            catch (SchedulerException e)
            {
                logger.LogDebug("Not starting work after gaining leadership: {Error}", e.Message);
            }
        });
    }
}
