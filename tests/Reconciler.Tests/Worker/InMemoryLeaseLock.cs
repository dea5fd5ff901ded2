using GitOpsSecrets.Kubernetes;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>A lease in memory with the API server's optimistic concurrency: a stale resource version is a conflict.</summary>
public sealed class InMemoryLeaseLock : ILeaseLock
{
    private readonly Lock _lock = new();
    private LeaseRecord? _record;
    private long _version;

    public string Description => "lease test/leader";

    /// <summary>While set, every call fails as an unreachable API server would.</summary>
    public bool Unreachable { get; set; }

    public LeaseRecord? Record
    {
        get
        {
            lock (_lock)
            {
                return _record;
            }
        }
    }

    public Task<LeaseRecord?> GetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowIfUnreachable();
            return Task.FromResult(_record);
        }
    }

    public Task<LeaseRecord> CreateAsync(LeaseRecord record, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowIfUnreachable();
            if (_record is not null)
            {
                throw new LeaseConflictException("already exists");
            }

            _record = record with { ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            return Task.FromResult(_record);
        }
    }

    public Task<LeaseRecord> UpdateAsync(LeaseRecord record, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowIfUnreachable();
            if (_record is null || _record.ResourceVersion != record.ResourceVersion)
            {
                throw new LeaseConflictException("resource version changed");
            }

            _record = record with { ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            return Task.FromResult(_record);
        }
    }

    private void ThrowIfUnreachable()
    {
        if (Unreachable)
        {
            throw new HttpRequestException("connection refused");
        }
    }
}
