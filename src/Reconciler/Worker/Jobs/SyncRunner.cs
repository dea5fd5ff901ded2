using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Notifications;
using GitOpsSecrets.Worker.Status;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Jobs;

/// <summary>One tick of the sync job: what it does, apart from when.</summary>
public interface ISyncRunner
{
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// On the leader: one sync, cancelled the moment leadership is lost or <c>worker.syncTimeout</c> has passed,
/// recorded in status and metrics. Before it, on every replica: a reload of the current keys, so the HTTP
/// endpoints see keys the leader added, and the sync uses that same load.
/// </summary>
public sealed class SyncRunner(SyncEngine engine, WorkerConfiguration configuration, ILeadership leadership, CurrentKeys keys, WorkerStatus status, WorkerMetrics metrics, TimeProvider time, ILogger<SyncRunner> logger, Notifier notifier, KeyLifecycle.KeyMaintenance? maintenance = null) : ISyncRunner
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // First, so the leader's sync takes the ring of this very load (CurrentKeys.LoadForSyncAsync) instead of reading the store again.
        await keys.RefreshAsync(logger, CancellationToken.None);
        if (leadership.IsLeader)
        {
            await SyncAsync(cancellationToken);
        }
    }

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        var timeout = configuration.Worker.SyncTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leadership.Token, deadline.Token);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        try
        {
            var report = await AbandonWhenCancelled(engine.SyncAsync(dryRun: false, progress: new PendingRevision(notifier), linked.Token), linked.Token);
            LogFailures(report);
            notifier.Completed(report);
            status.Record(report, startedAt, time.GetUtcNow());
            metrics.RecordSync(report, time.GetElapsedTime(started), time.GetUtcNow());
            await MaintainKeysAsync(report, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !leadership.Token.IsCancellationRequested)
        {
            var reason = $"sync timed out after {Durations.Format(timeout)} (worker.syncTimeout)";
            logger.LogError("Sync failed: {Reason}; it is abandoned, and the next sync waits for its blocked I/O, up to its own timeout", reason);
            status.RecordAbandoned(startedAt, time.GetUtcNow(), reason);
            metrics.RecordAbandonedSync(time.GetElapsedTime(started));
            notifier.Completed(new SyncReport(null, false, [], [reason], [], 0, 0, time.GetElapsedTime(started)));
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            var reason = cancellationToken.IsCancellationRequested ? "the worker is stopping" : "leadership was lost";
            logger.LogWarning("Sync stopped: {Reason}; what was not written yet is left for the next leader", reason);
            status.RecordAbandoned(startedAt, time.GetUtcNow(), $"sync stopped: {reason}");
            metrics.RecordAbandonedSync(time.GetElapsedTime(started));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("Sync failed: {Error}", e.Message);
            status.RecordAbandoned(startedAt, time.GetUtcNow(), $"sync failed: {e.Message}");
            metrics.RecordAbandonedSync(time.GetElapsedTime(started));
        }
    }

    /// <summary>Key retirement and the recovery drill on the files just synced; their failures never fail the sync.</summary>
    private async Task MaintainKeysAsync(SyncReport report, CancellationToken cancellationToken)
    {
        if (maintenance is null)
        {
            return;
        }

        try
        {
            await maintenance.RunAsync(report, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogError("Key maintenance after the sync failed: {Error}", e.Message);
        }
    }

    /// <summary>
    /// The sync's outcome, or <see cref="OperationCanceledException"/> as soon as it is cancelled even when
    /// the sync itself does not stop: libgit2 blocked reading a socket does not see cancellation, and a run
    /// waiting on it would hold the job forever. The abandoned sync keeps the engine's one-at-a-time lock
    /// until its I/O ends, so it never overlaps the next; its late failure is observed here, not lost.
    /// </summary>
    private async Task<SyncReport> AbandonWhenCancelled(Task<SyncReport> sync, CancellationToken cancellationToken)
    {
        try
        {
            return await sync.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!sync.IsCompleted)
        {
            _ = sync.ContinueWith(
                t => logger.LogWarning("An abandoned sync ended: {Outcome}", t.Exception?.InnerException?.Message ?? (t.IsCanceled ? "cancelled" : "finished")),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>What an operator has to act on, one line each (the engine logs what it changed).</summary>
    private void LogFailures(SyncReport report)
    {
        foreach (var error in report.Errors)
        {
            logger.LogError("Sync failed: {Error}", error);
        }

        foreach (var target in report.Targets)
        {
            if (target.Error is not null)
            {
                logger.LogError("Target {Target}: {Error}", target.Name, target.Error);
            }

            foreach (var failed in target.Objects.Where(o => o.Kind == ChangeKind.Failed))
            {
                logger.LogWarning("Target {Target}: {Secret} not applied: {Reason}", target.Name, failed.Id, failed.Message);
            }
        }
    }

    /// <summary>Hands the engine's "fetched" step to the notifier (commit statuses go pending); every other step is ignored.</summary>
    private sealed class PendingRevision(Notifier notifier) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value)
        {
            if (value is { Phase: "fetched", Revision: { } revision })
            {
                notifier.Fetched(revision);
            }
        }
    }
}
