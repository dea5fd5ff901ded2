using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker.Jobs;

/// <summary>
/// The sync, as a Quartz job. Never two at once (a webhook arriving during a run waits for it), and the
/// next run is scheduled only when this one has finished, so an overrunning run is not followed by a
/// burst of missed ones.
/// </summary>
[DisallowConcurrentExecution]
public sealed class SyncJob(ISyncRunner runner, WorkerJobs jobs, ILogger<SyncJob> logger) : IJob
{
    public static readonly JobKey Key = new("sync", WorkerJobs.Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await runner.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("Sync job failed: {Error}", e.Message);
        }
        finally
        {
            await jobs.ScheduleNextSyncAsync();
        }
    }
}
