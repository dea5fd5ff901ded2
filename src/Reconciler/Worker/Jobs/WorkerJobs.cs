using GitOpsSecrets.Worker.Scheduling;
using GitOpsSecrets.Worker.Status;
using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker.Jobs;

/// <summary>
/// The worker's triggers. Each job has at most one pending one-shot trigger, replaced whenever a run
/// finishes (sync: interval plus jitter after completion; renewal: when the next key is due), and can
/// be fired at once (webhook, new leader).
/// </summary>
public sealed class WorkerJobs(ISchedulerFactory schedulers, SyncSchedule schedule, WorkerStatus status, TimeProvider time, ILogger<WorkerJobs> logger)
{
    public const string Group = "gitops-secrets";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private TriggerKey? _pendingSync;
    private TriggerKey? _pendingRenewal;
    private long _generation;

    /// <summary>Runs the sync now, or right after the one in progress.</summary>
    public async Task TriggerSyncAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(SyncJob.Key, null, cancellationToken);
    }

    public async Task TriggerRenewalAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(KeyRenewalJob.Key, null, cancellationToken);
    }

    /// <summary>The next sync an interval (plus jitter) from now, replacing any pending one.</summary>
    public async Task ScheduleNextSyncAsync()
    {
        var at = schedule.NextAfter(time.GetUtcNow());
        if (await ReplaceAsync(SyncJob.Key, at, pending => _pendingSync = pending, () => _pendingSync))
        {
            status.SetNextSync(at);
        }
    }

    /// <summary>The next renewal check; null cancels the pending one (renewal disabled).</summary>
    public Task ScheduleRenewalAsync(DateTimeOffset? at) =>
        ReplaceAsync(KeyRenewalJob.Key, at, pending => _pendingRenewal = pending, () => _pendingRenewal);

    private async Task<bool> ReplaceAsync(JobKey job, DateTimeOffset? at, Action<TriggerKey?> setPending, Func<TriggerKey?> getPending)
    {
        await _lock.WaitAsync();
        try
        {
            var scheduler = await schedulers.GetScheduler();

            if (getPending() is { } previous)
            {
                await scheduler.UnscheduleJob(previous);
                setPending(null);
            }

            if (at is not { } when)
            {
                return true;
            }

            // A fresh key per trigger: the one that fired is still being completed by the scheduler.
            var key = new TriggerKey($"{job.Name}-{Interlocked.Increment(ref _generation)}", Group);
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(key)
                .ForJob(job)
                .StartAt(when)
                .Build();
            await scheduler.ScheduleJob(trigger);
            setPending(key);
            logger.LogDebug("Next {Job} at {At:O}", job.Name, when);
            return true;
        }
        catch (Exception e) when (e is SchedulerException or ObjectDisposedException or InvalidOperationException)
        {
            // Shutting down: there is no next run to schedule.
            logger.LogDebug("Not scheduling {Job}: {Error}", job.Name, e.Message);
            return false;
        }
        finally
        {
            _lock.Release();
        }
    }
}
