using System.Threading.Channels;

namespace GitOpsSecrets.Sync.Cluster;

/// <summary>
/// Keys (namespace/name) waiting to be reconciled, like client-go's work queue: a key added many times
/// before it is taken runs once; a key is never run by two workers at once (added while running, it
/// runs again afterwards); at most <c>parallelism</c> keys run together.
/// </summary>
public sealed class KeyedWorkQueue
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private TaskCompletionSource _idle = NewIdle();

    /// <summary>Keys waiting or running.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count + _running.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_waiting.Add(key) && !_running.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Completes when nothing is waiting or running (at once if so now).</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _waiting.Count + _running.Count == 0 ? Task.CompletedTask : _idle.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Runs <paramref name="work"/> for each key with <paramref name="parallelism"/> workers until cancelled.</summary>
    public Task RunAsync(int parallelism, Func<string, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallelism)).Select(_ => Task.Run(() => WorkAsync(work, cancellationToken), cancellationToken)));

    private async Task WorkAsync(Func<string, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await foreach (var key in _ready.Reader.ReadAllAsync(cancellationToken))
        {
            lock (_lock)
            {
                _waiting.Remove(key);
                _running.Add(key);
            }

            try
            {
                await work(key, cancellationToken);
            }
            finally
            {
                lock (_lock)
                {
                    _running.Remove(key);
                    if (_waiting.Contains(key))
                    {
                        _ready.Writer.TryWrite(key);
                    }
                    else if (_waiting.Count + _running.Count == 0)
                    {
                        _idle.TrySetResult();
                        _idle = NewIdle();
                    }
                }
            }
        }
    }

    private static TaskCompletionSource NewIdle() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
