using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Keys;

/// <summary>The ring a load published, with the problems of the keys it skipped.</summary>
public sealed record KeyRingSnapshot(KeyRing Ring, IReadOnlyList<string> Problems);

/// <summary>
/// The one owner of "the current keys" of a configured key store: the sync engine, the worker's HTTP
/// endpoints (certificate, verify, rotate), the renewal job and key housekeeping all read this ring, and
/// every load of the store goes through here, so one load serves them all. <see cref="Changed"/> says when a
/// load found a different set of keys. Replaced rings are not disposed (a reader may still use their
/// keys; keys change once per renewal period and the finalizers of their native handles reclaim them);
/// the current one is disposed with this.
/// </summary>
public sealed class CurrentKeys(IKeyStore store, ILogger<CurrentKeys>? logger = null) : IDisposable
{
    private readonly ILogger _logger = logger ?? NullLogger<CurrentKeys>.Instance;
    private readonly SemaphoreSlim _oneLoadAtATime = new(1, 1);
    private KeyRingSnapshot _current = new(KeyRing.Empty, []);
    private string _fingerprints = string.Empty;
    private string _problems = string.Empty;

    /// <summary>Whether the last load succeeded and no sync has taken its ring yet (<see cref="LoadForSyncAsync"/>).</summary>
    private bool _freshForSync;

    public KeyRing Ring => Volatile.Read(ref _current).Ring;

    /// <summary>Raised when a load found a different set of keys.</summary>
    public event Action<KeyRing>? Changed;

    /// <summary>True once the store has been read successfully at least once.</summary>
    public bool Loaded { get; private set; }

    /// <summary>For messages: "directory /keys", "cluster kube-system".</summary>
    public string StoreDescription => store.Description;

    /// <summary>Reads the store, publishes what it holds and returns it; a failure is thrown and changes nothing.</summary>
    public async Task<KeyRingSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _oneLoadAtATime.WaitAsync(cancellationToken);
        try
        {
            KeyLoadResult loaded;
            try
            {
                loaded = await store.LoadAsync(cancellationToken);
            }
            catch
            {
                _freshForSync = false;
                throw;
            }

            var snapshot = Publish(loaded);
            _freshForSync = true;
            return snapshot;
        }
        finally
        {
            _oneLoadAtATime.Release();
        }
    }

    /// <summary>
    /// For a sync: the ring of a load made since the previous sync took one (the worker reads the store
    /// at each tick, and after a renewal, just before), else a load of its own. Fail-closed as a load: when
    /// the latest read of the store failed, the store is read again and its failure thrown.
    /// </summary>
    public async Task<KeyRingSnapshot> LoadForSyncAsync(CancellationToken cancellationToken)
    {
        await _oneLoadAtATime.WaitAsync(cancellationToken);
        try
        {
            if (_freshForSync)
            {
                _freshForSync = false;
                return Volatile.Read(ref _current);
            }
        }
        finally
        {
            _oneLoadAtATime.Release();
        }

        var snapshot = await LoadAsync(cancellationToken);
        _freshForSync = false;
        return snapshot;
    }

    public void Dispose()
    {
        Volatile.Read(ref _current).Ring.Dispose();
        _oneLoadAtATime.Dispose();
    }

    private KeyRingSnapshot Publish(KeyLoadResult loaded)
    {
        // Logged when they change, not at every load.
        var problems = string.Join('\n', loaded.Problems);
        if (problems != _problems)
        {
            foreach (var problem in loaded.Problems)
            {
                _logger.LogWarning("Key skipped: {Problem}", problem);
            }

            _problems = problems;
        }

        var ring = new KeyRing(loaded.Keys);
        var fingerprints = string.Join(',', ring.Keys.Select(k => k.Fingerprint + (k.CanUnseal ? "+" : "-")));
        Loaded = true;
        if (fingerprints == _fingerprints)
        {
            ring.Dispose();
            var same = Volatile.Read(ref _current) with { Problems = loaded.Problems };
            Volatile.Write(ref _current, same);
            return same;
        }

        var snapshot = new KeyRingSnapshot(ring, loaded.Problems);
        Volatile.Write(ref _current, snapshot);
        _fingerprints = fingerprints;
        _logger.LogInformation("Keys loaded from {Store}: {Count} key(s), newest {Newest}", store.Description, ring.Count, ring.Newest?.ShortFingerprint ?? "(none)");
        Changed?.Invoke(ring);
        return snapshot;
    }
}
