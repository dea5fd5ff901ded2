using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A hand-written fake of our own target interface for sync unit tests: keeps Secrets in memory,
/// counts reads and writes, and lets a test edit a Secret behind our back (drift) or fail writes.
/// </summary>
public sealed class InMemoryTarget(string name = "memory", string kind = "memory") : ISecretTarget
{
    private readonly Dictionary<SecretId, Stored> _secrets = [];
    private readonly Lock _lock = new();

    public string Name { get; } = name;

    public string Kind { get; } = kind;

    public int Observations { get; private set; }

    public int Writes { get; private set; }

    public int Deletes { get; private set; }

    public List<IReadOnlyCollection<string>?> ObservedNamespaces { get; } = [];

    /// <summary>Writes of these ids fail with a TargetException.</summary>
    public HashSet<SecretId> FailWrites { get; } = [];

    public bool FailObserve { get; set; }

    /// <summary>When set, observing throws this: an unexpected exception, as a bug in a target would.</summary>
    public Exception? ThrowOnObserve { get; set; }

    public IReadOnlyDictionary<SecretId, Secret> Secrets
    {
        get
        {
            lock (_lock)
            {
                return _secrets.ToDictionary(p => p.Key, p => p.Value.Secret);
            }
        }
    }

    public AppliedStamp? StampOf(SecretId id)
    {
        lock (_lock)
        {
            return _secrets.GetValueOrDefault(id)?.Stamp;
        }
    }

    /// <summary>A Secret someone else created (not ours), optionally offering takeover.</summary>
    public void SeedForeign(Secret secret, Takeover takeover = Takeover.None)
    {
        lock (_lock)
        {
            _secrets[Id(secret)] = new Stored(secret.Clone(), null, false, takeover);
        }
    }

    /// <summary>Someone edits a value of a Secret we manage.</summary>
    public void EditBehindOurBack(SecretId id, string key, byte[] value)
    {
        lock (_lock)
        {
            _secrets[id].Secret.Data[key] = value;
        }
    }

    public void DeleteBehindOurBack(SecretId id)
    {
        lock (_lock)
        {
            _secrets.Remove(id);
        }
    }

    public Task<IReadOnlyList<ObservedSecret>> ObserveAsync(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Observations++;
            ObservedNamespaces.Add(namespaces);
            if (ThrowOnObserve is { } unexpected)
            {
                throw unexpected;
            }

            if (FailObserve)
            {
                throw new TargetException("the target is unreachable");
            }

            var wantedSet = wanted.ToHashSet();
            IReadOnlyList<ObservedSecret> observed = _secrets
                .Where(p => (namespaces is null || namespaces.Contains(p.Key.Namespace)) && (p.Value.Managed || wantedSet.Contains(p.Key)))
                .Select(p => new ObservedSecret
                {
                    Id = p.Key,
                    Managed = p.Value.Managed,
                    Stamp = p.Value.Stamp,
                    ActualDataHash = SecretHashes.DataHash(p.Value.Secret.Data),
                    KeyHashes = SecretHashes.KeyHashes(p.Value.Secret.Data),
                    Type = p.Value.Secret.Type,
                    Immutable = p.Value.Secret.Immutable ?? false,
                    Labels = new Dictionary<string, string>(p.Value.Secret.Metadata.Labels),
                    Annotations = new Dictionary<string, string>(p.Value.Secret.Metadata.Annotations),
                    Takeover = p.Value.Takeover,
                })
                .ToList();
            return Task.FromResult(observed);
        }
    }

    public Task WriteAsync(SecretWrite write, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (FailWrites.Contains(write.Id))
            {
                throw new TargetException($"write of {write.Id} refused");
            }

            Writes++;
            var secret = write.Secret.Clone();
            if (write.Mode == WriteMode.Patch && _secrets.TryGetValue(write.Id, out var existing))
            {
                foreach (var (key, value) in existing.Secret.Data.Where(p => !secret.Data.ContainsKey(p.Key)))
                {
                    secret.Data[key] = value;
                }
            }

            _secrets[write.Id] = new Stored(secret, write.Stamp, true, Takeover.None);
            return Task.CompletedTask;
        }
    }

    public Task DeleteAsync(SecretId id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_secrets.TryGetValue(id, out var stored) || !stored.Managed)
            {
                throw new TargetException($"{id} is not ours to delete");
            }

            Deletes++;
            _secrets.Remove(id);
            return Task.CompletedTask;
        }
    }

    private static SecretId Id(Secret secret) => new(secret.Metadata.Namespace!, secret.Metadata.Name!);

    private sealed record Stored(Secret Secret, AppliedStamp? Stamp, bool Managed, Takeover Takeover);
}
