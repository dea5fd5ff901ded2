using GitOpsSecrets.Keys;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Publishing;
using GitOpsSecrets.Worker.Scheduling;
using GitOpsSecrets.Worker.Status;
using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker.Jobs;

/// <summary>
/// Checks whether a new sealing key is due and adds one (leader only), then, when the closed loop is on,
/// makes sure the repository holds the newest certificate (at every check, so a publish missed by a
/// crash or a failed push is caught up), and schedules the next check for when the next key will be
/// due. A failure of either is retried a few minutes later.
/// </summary>
[DisallowConcurrentExecution]
public sealed class KeyRenewalJob(KeyRenewer renewer, CertificatePublisher publisher, ILeadership leadership, CurrentKeys keys, WorkerJobs jobs, WorkerStatus status, TimeProvider time, ILogger<KeyRenewalJob> logger) : IJob
{
    public static readonly JobKey Key = new("key-renewal", WorkerJobs.Group);

    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    /// <summary>A failed certificate push is retried sooner than the next renewal check.</summary>
    public static readonly TimeSpan RetryAfterPublishFailure = TimeSpan.FromMinutes(2);

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
                await keys.RefreshAsync(logger, CancellationToken.None);
            }

            next = decision.NextCheck;
            if (publisher.Enabled)
            {
                if (!decision.RenewNow)
                {
                    // Another replica may have added a key since this one last read the store.
                    await keys.RefreshAsync(logger, linked.Token);
                }

                if (await publisher.PublishAsync(keys.Ring, linked.Token) == CertificatePublishResult.Failed)
                {
                    var retry = time.GetUtcNow() + RetryAfterPublishFailure;
                    next = next is { } due && due < retry ? due : retry;
                }
            }
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
