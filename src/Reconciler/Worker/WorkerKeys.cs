using GitOpsSecrets.Keys;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker;

/// <summary>
/// The keys the HTTP endpoints use (certificate, verify, rotate), reloaded from the store after every
/// sync tick and every renewal, so replicas that are not the leader pick up keys the leader added.
/// </summary>
public sealed class WorkerKeys(IKeyStore store, ILogger<WorkerKeys> logger)
{
    private KeyRing _ring = KeyRing.Empty;
    private string _fingerprints = string.Empty;
    private string _problems = string.Empty;

    public KeyRing Ring => Volatile.Read(ref _ring);

    /// <summary>Raised when a reload found a different set of keys.</summary>
    public event Action<KeyRing>? Changed;

    /// <summary>True once the store has been read successfully at least once.</summary>
    public bool Loaded { get; private set; }

    public string StoreDescription => store.Description;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        KeyLoadResult loaded;
        try
        {
            loaded = await store.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is InputException or IOException or UnauthorizedAccessException or HttpRequestException or Targets.TargetException)
        {
            logger.LogWarning("Reading keys from {Store} failed: {Error}", store.Description, e.Message);
            return;
        }

        // Logged when they change, not at every reload.
        var problems = string.Join('\n', loaded.Problems);
        if (problems != _problems)
        {
            foreach (var problem in loaded.Problems)
            {
                logger.LogWarning("Key skipped: {Problem}", problem);
            }

            _problems = problems;
        }

        var ring = new KeyRing(loaded.Keys);
        var fingerprints = string.Join(',', ring.Keys.Select(k => k.Fingerprint + (k.CanUnseal ? "+" : "-")));
        if (fingerprints == _fingerprints)
        {
            ring.Dispose();
        }
        else
        {
            // The previous ring is not disposed: a request may still be using its keys. Keys change
            // once per renewal period, and the finalizers of their native handles reclaim them.
            Volatile.Write(ref _ring, ring);
            _fingerprints = fingerprints;
            logger.LogInformation("Keys loaded from {Store}: {Count} key(s), newest {Newest}", store.Description, ring.Count, ring.Newest?.ShortFingerprint ?? "(none)");
            Loaded = true;
            Changed?.Invoke(ring);
            return;
        }

        Loaded = true;
    }
}
