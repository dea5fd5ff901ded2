using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Scheduling;
using GitOpsSecrets.Worker.Status;
using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker.Jobs;

/// <summary>
/// Checks whether a new sealing key is due and adds one (leader only), then schedules the next check
/// for when the next key will be due. A failure is retried a few minutes later.
/// </summary>
[DisallowConcurrentExecution]
public sealed class KeyRenewalJob(KeyRenewer renewer, ILeadership leadership, WorkerKeys keys, WorkerJobs jobs, WorkerStatus status, TimeProvider time, ILogger<KeyRenewalJob> logger) : IJob
{
    public static readonly JobKey Key = new("key-renewal", WorkerJobs.Group);

    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!leadership.IsLeader)
        {
            // Becoming the leader triggers this job again.
            status.SetNextKeyRenewal(null);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leadership.Token);
        DateTimeOffset? next;
        try
        {
            var decision = await renewer.RenewIfDueAsync(linked.Token);
            if (decision.RenewNow)
            {
                await keys.RefreshAsync(CancellationToken.None);
            }

            next = decision.NextCheck;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("Key renewal failed: {Error}; retrying in {Retry}", e.Message, Configuration.Durations.Format(RetryAfterFailure));
            next = time.GetUtcNow() + RetryAfterFailure;
        }

        status.SetNextKeyRenewal(next);
        await jobs.ScheduleRenewalAsync(next);
    }
}
