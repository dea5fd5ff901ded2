using System.Collections.Concurrent;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Sync.Cluster;

/// <summary>Where and how the cluster source watches.</summary>
public sealed record ClusterControllerOptions
{
    /// <summary>Namespaces to watch; empty: every namespace (Bitnami's <c>--all-namespaces</c>, the default).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Every this often each known SealedSecret is queued again (cheap: a current Secret is not decrypted).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>SealedSecrets reconciled at once.</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The longest wait between retries after API errors (watch, list, or a transient write failure).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>What the cluster source has seen and done, for /status and /metrics. Names and reasons only.</summary>
public sealed record ClusterSourceSnapshot(
    int SealedSecrets,
    int Pending,
    IReadOnlyDictionary<string, int> LastResults,
    IReadOnlyList<ObjectResult> Failures,
    long Reconciles,
    long Lists,
    long WatchRestarts,
    long WatchExpired,
    DateTimeOffset? LastListAt,
    string? LastError);

/// <summary>
/// The cluster source: lists and watches SealedSecret resources (from the list's resourceVersion, with
/// bookmarks; 410 Gone lists again; other errors back off and watch again from the last version seen),
/// keeps them in a cache, and queues their keys; workers reconcile each key, one at a time per key.
/// A periodic resync queues every key again. A deleted SealedSecret needs nothing from us: its Secret
/// carries an ownerReference, and the API server's garbage collector deletes it.
/// </summary>
public sealed class ClusterController(ISealedSecretApi api, SealedSecretReconciler reconciler, ClusterControllerOptions options, TimeProvider time, ILogger<ClusterController> logger)
{
    private readonly ConcurrentDictionary<string, ClusterSealedSecret> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ObjectResult> _results = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly KeyedWorkQueue _queue = new();
    private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _namespacesListed;
    private long _reconciles;
    private long _lists;
    private long _watchRestarts;
    private long _watchExpired;
    private DateTimeOffset? _lastListAt;
    private string? _lastError;

    public string Description => api.Description;

    /// <summary>Raised after each reconcile, for metrics.</summary>
    public event Action<ObjectResult>? Reconciled;

    /// <summary>Completes once every watched namespace has been listed and everything queued has been reconciled.</summary>
    public async Task WhenSettledAsync(CancellationToken cancellationToken)
    {
        await _listed.Task.WaitAsync(cancellationToken);
        await _queue.WhenIdleAsync(cancellationToken);
    }

    public ClusterSourceSnapshot Snapshot()
    {
        var results = _results.Values.ToList();
        return new ClusterSourceSnapshot(
            _cache.Count,
            _queue.Pending,
            results.GroupBy(r => r.Kind.ToString().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            results.Where(r => r.Kind is ChangeKind.Failed or ChangeKind.Skipped).OrderBy(r => r.Id.Namespace, StringComparer.Ordinal).ThenBy(r => r.Id.Name, StringComparer.Ordinal).ToList(),
            Interlocked.Read(ref _reconciles),
            Interlocked.Read(ref _lists),
            Interlocked.Read(ref _watchRestarts),
            Interlocked.Read(ref _watchExpired),
            _lastListAt,
            _lastError);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string?> scopes = options.Namespaces.Count == 0 ? [null] : options.Namespaces.Cast<string?>().ToList();
        var tasks = scopes.Select(scope => InformAsync(scope, scopes.Count, cancellationToken)).ToList();
        tasks.Add(_queue.RunAsync(options.Parallelism, ReconcileKeyAsync, cancellationToken));
        tasks.Add(ResyncAsync(cancellationToken));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task InformAsync(string? @namespace, int scopes, CancellationToken cancellationToken)
    {
        var where = @namespace is null ? "every namespace" : $"namespace {@namespace}";
        string? resourceVersion = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    var list = await api.ListAsync(@namespace, cancellationToken);
                    Replace(@namespace, list.Items);
                    resourceVersion = list.ResourceVersion;
                    Interlocked.Increment(ref _lists);
                    _lastListAt = time.GetUtcNow();
                    logger.LogInformation("Listed {Count} SealedSecret(s) in {Where} at resourceVersion {ResourceVersion}", list.Items.Count, where, resourceVersion);
                    if (Interlocked.Increment(ref _namespacesListed) == scopes)
                    {
                        _listed.TrySetResult();
                    }
                }

                await foreach (var change in api.WatchAsync(@namespace, resourceVersion, cancellationToken))
                {
                    Apply(change);
                    resourceVersion = change.ResourceVersion;
                    failures = 0;
                }

                // The server ends every watch after a while; carry on from the last version seen.
                Interlocked.Increment(ref _watchRestarts);
            }
            catch (WatchExpiredException e)
            {
                // 410 Gone: changes since our version are no longer kept; a new list brings the cache up to date.
                Interlocked.Increment(ref _watchExpired);
                logger.LogInformation("Watch of SealedSecrets in {Where} expired ({Error}); listing again", where, e.Message);
                resourceVersion = null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures++;
                _lastError = $"{where}: {e.Message}";
                var delay = Backoff(failures);
                logger.LogWarning("Watching SealedSecrets in {Where} failed: {Error}; again in {Delay}", where, e.Message, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>A list's content replaces the cache for its scope: new and changed objects are queued, vanished ones forgotten.</summary>
    private void Replace(string? @namespace, IReadOnlyList<ClusterSealedSecret> items)
    {
        var listed = items.ToDictionary(i => i.Key, StringComparer.Ordinal);
        foreach (var gone in _cache.Keys.Where(k => (@namespace is null || k.StartsWith(@namespace + "/", StringComparison.Ordinal)) && !listed.ContainsKey(k)).ToList())
        {
            Forget(gone);
        }

        foreach (var item in items)
        {
            var known = _cache.TryGetValue(item.Key, out var previous) && previous.ResourceVersion == item.ResourceVersion;
            _cache[item.Key] = item;
            if (!known)
            {
                _queue.Add(item.Key);
            }
        }
    }

    private void Apply(SealedSecretEvent change)
    {
        switch (change)
        {
            case { Change: SealedSecretChange.Added or SealedSecretChange.Modified, Object: { } added }:
                _cache[added.Key] = added;
                _queue.Add(added.Key);
                break;
            case { Change: SealedSecretChange.Deleted, Object: { } deleted }:
                Forget(deleted.Key);
                break;
        }
    }

    private void Forget(string key)
    {
        _cache.TryRemove(key, out _);
        _results.TryRemove(key, out _);
        var parts = key.Split('/', 2);
        reconciler.Forget(parts[0], parts[1]);
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.Resync, time, cancellationToken);
            foreach (var key in _cache.Keys)
            {
                _queue.Add(key);
            }
        }
    }

    private async Task ReconcileKeyAsync(string key, CancellationToken cancellationToken)
    {
        if (!_cache.TryGetValue(key, out var resource))
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["sealedSecret"] = key });
        try
        {
            var result = await reconciler.ReconcileAsync(resource, cancellationToken);
            _attempts.TryRemove(key, out _);
            Record(key, result);
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            // Transient (the API server throttled or failed): try this key again later, backing off.
            var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
            Record(key, new ObjectResult(ChangeKind.Failed, new SecretId(resource.Namespace, resource.Name), ClusterStamp.PathOf(resource.Namespace, resource.Name), null, e.Message) { Reason = FailureReason.Update });
            _ = RetryLaterAsync(key, Backoff(attempt), cancellationToken);
        }
    }

    private void Record(string key, ObjectResult result)
    {
        Interlocked.Increment(ref _reconciles);
        if (_cache.ContainsKey(key))
        {
            _results[key] = result;
        }

        Reconciled?.Invoke(result);
    }

    private async Task RetryLaterAsync(string key, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            _queue.Add(key);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var seconds = Math.Min(options.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures, 16)) * 0.5);
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }
}
