using GitOpsSecrets.Kubernetes;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Leadership;

/// <summary>client-go's timings: a leader renews every RetryPeriod and gives up after RenewDeadline without a renewal.</summary>
public sealed record LeaderElectionOptions(string Identity, TimeSpan LeaseDuration, TimeSpan RenewDeadline, TimeSpan RetryPeriod)
{
    /// <summary>client-go's ratios (15s / 10s / 2s) scaled to a lease duration.</summary>
    public static LeaderElectionOptions For(string identity, TimeSpan leaseDuration) =>
        new(identity, leaseDuration, leaseDuration * 2 / 3, leaseDuration * 2 / 15);
}

/// <summary>
/// Leader election on a lease, the algorithm of client-go's leaderelection package: a candidate takes
/// the lease when it is free or its holder has not renewed it for a lease duration (measured on our
/// own clock from when we last saw it change, so clock skew between replicas does not matter); the
/// leader renews it every retry period and gives leadership up, cancelling <see cref="Token"/>, once
/// renewals have failed for the renew deadline — before any other candidate can take it over. Every
/// write is conditional on the resource version read, so two candidates never both win.
/// </summary>
public sealed class LeaderElector(ILeaseLock lease, LeaderElectionOptions options, TimeProvider time, ILogger<LeaderElector> logger) : ILeadership, IDisposable
{
    private static readonly CancellationToken NotLeading = new(canceled: true);

    private readonly Lock _lock = new();
    private LeaseRecord? _observed;
    private DateTimeOffset _observedAt;
    private DateTimeOffset _lastRenewed;
    private CancellationTokenSource? _term;

    public event Action<bool>? Changed;

    public string Identity => options.Identity;

    public LeaderElectionOptions Options => options;

    public bool IsLeader
    {
        get
        {
            lock (_lock)
            {
                return _term is not null;
            }
        }
    }

    public CancellationToken Token
    {
        get
        {
            lock (_lock)
            {
                return _term?.Token ?? NotLeading;
            }
        }
    }

    /// <summary>Tries to acquire or renew once every retry period until cancelled, then releases the lease.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await TickAsync(cancellationToken);
                await Task.Delay(options.RetryPeriod, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: acquire or renew, and gain or lose leadership accordingly.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var held = await TryAcquireOrRenewAsync(now, cancellationToken);
        if (held)
        {
            _lastRenewed = now;
            if (!IsLeader)
            {
                StartTerm();
            }

            return;
        }

        if (!IsLeader)
        {
            return;
        }

        var takenByOther = _observed?.HolderIdentity is { Length: > 0 } holder && holder != options.Identity;
        if (takenByOther || now - _lastRenewed >= options.RenewDeadline)
        {
            EndTerm(takenByOther ? $"the lease is now held by {_observed!.HolderIdentity}" : $"the lease was not renewed for {options.RenewDeadline.TotalSeconds:0.#}s");
        }
    }

    /// <summary>Gives the lease up on a clean stop, so another replica takes over at its next try instead of after a lease duration.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (!IsLeader || _observed is not { } current || current.HolderIdentity != options.Identity)
        {
            return;
        }

        EndTerm("stopping");
        var now = time.GetUtcNow();
        try
        {
            _observed = await lease.UpdateAsync(current with { HolderIdentity = null, LeaseDurationSeconds = 1, RenewTime = now, AcquireTime = now }, cancellationToken);
            logger.LogInformation("Released {Lease}", lease.Description);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogWarning("Releasing {Lease} failed: {Error}; another replica takes over when it expires", lease.Description, e.Message);
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var durationSeconds = (int)Math.Ceiling(options.LeaseDuration.TotalSeconds);
        LeaseRecord? current;
        try
        {
            current = await lease.GetAsync(cancellationToken);
            if (current is null)
            {
                Observe(await lease.CreateAsync(new LeaseRecord(options.Identity, now, now, durationSeconds, 0), cancellationToken), now);
                return true;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogDebug("Reading or creating {Lease} failed: {Error}", lease.Description, e.Message);
            return false;
        }

        if (current != _observed)
        {
            Observe(current, now);
        }

        var mine = current.HolderIdentity == options.Identity;
        var heldByOther = !mine && !string.IsNullOrEmpty(current.HolderIdentity)
            && _observedAt + TimeSpan.FromSeconds(current.LeaseDurationSeconds) > now;
        if (heldByOther)
        {
            return false;
        }

        var desired = mine
            ? current with { RenewTime = now, LeaseDurationSeconds = durationSeconds }
            : current with { HolderIdentity = options.Identity, AcquireTime = now, RenewTime = now, LeaseDurationSeconds = durationSeconds, LeaseTransitions = current.LeaseTransitions + 1 };
        try
        {
            Observe(await lease.UpdateAsync(desired, cancellationToken), now);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogDebug("Updating {Lease} failed: {Error}", lease.Description, e.Message);
            return false;
        }
    }

    private void Observe(LeaseRecord record, DateTimeOffset now)
    {
        _observed = record;
        _observedAt = now;
    }

    private void StartTerm()
    {
        lock (_lock)
        {
            _term = new CancellationTokenSource();
        }

        logger.LogInformation("{Identity} is now the leader ({Lease})", options.Identity, lease.Description);
        Changed?.Invoke(true);
    }

    private void EndTerm(string reason)
    {
        CancellationTokenSource? term;
        lock (_lock)
        {
            term = _term;
            _term = null;
        }

        if (term is null)
        {
            return;
        }

        logger.LogWarning("{Identity} lost leadership of {Lease}: {Reason}; running work is cancelled", options.Identity, lease.Description, reason);
        // Not disposed: a job may still be linking to its token.
        term.Cancel();
        Changed?.Invoke(false);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _term?.Dispose();
            _term = null;
        }
    }
}
