using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Worker.Status;

/// <summary>One Secret that failed in the last sync of a target, and why (never a value).</summary>
public sealed record FailureStatus(string Namespace, string Name, string? Source, string Reason);

/// <summary>
/// One Secret in a target as of the last sync: what was done with it, where it came from, the keys that
/// opened it (when known), when it last changed in the target, and for a SharedSecret's copy its access
/// (verbs and subject names). Never a value.
/// </summary>
public sealed record SecretState(string Namespace, string Name, string State, string? Source, IReadOnlyList<string> SealedBy, DateTimeOffset? LastChangeAt, string? Message, IReadOnlyList<SharedAccessSummary>? Access = null);

/// <summary>What the worker knows about one target: the last revision attempted and the last one applied in full.</summary>
public sealed record TargetStatus(
    string Name,
    string Kind,
    string? LastAttemptedRevision,
    DateTimeOffset? LastAttemptedAt,
    string? LastAppliedRevision,
    DateTimeOffset? LastAppliedAt,
    IReadOnlyDictionary<string, int> Counts,
    string? Error,
    IReadOnlyList<FailureStatus> Failures,
    IReadOnlyList<SecretState>? Secrets = null);

/// <summary>The last sync as a whole.</summary>
public sealed record SyncStatus(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string? Revision,
    string Result,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings);

/// <summary>The last attempt to publish the sealing certificate to the repository (the closed loop).</summary>
public sealed record CertificatePublishStatus(
    DateTimeOffset At,
    string Result,
    string Key,
    string Path,
    string Branch,
    string? Commit,
    string? Error);

/// <summary>A consistent copy of the worker's status.</summary>
public sealed record StatusSnapshot(
    SyncStatus? LastSync,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? NextSyncAt,
    DateTimeOffset? NextKeyRenewalAt,
    IReadOnlyList<TargetStatus> Targets,
    CertificatePublishStatus? CertificatePublish = null);

/// <summary>
/// The worker's memory of its syncs, updated after every run and served by <c>/status</c>. Holds
/// names, revisions, counts and reasons only: a report never carries values, and neither does this.
/// </summary>
public sealed class WorkerStatus
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TargetStatus> _targets = new(StringComparer.Ordinal);
    private SyncStatus? _lastSync;
    private DateTimeOffset? _lastSuccessAt;
    private DateTimeOffset? _nextSyncAt;
    private DateTimeOffset? _nextKeyRenewalAt;
    private CertificatePublishStatus? _certificatePublish;
    private volatile bool _firstSyncAttempted;
    private long _syncs;
    private long _certificatePublishes;

    /// <summary>Raised after each sync is recorded, with the number recorded so far.</summary>
    public event Action<long>? SyncRecorded;

    /// <summary>Syncs recorded since the worker started.</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>True once a sync has been tried (whatever its outcome): part of readiness.</summary>
    public bool FirstSyncAttempted => _firstSyncAttempted;

    public void Record(SyncReport report, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        var result = report.Failed ? "failed" : report.HasFailures ? "partial" : "success";
        lock (_lock)
        {
            _lastSync = new SyncStatus(startedAt, finishedAt, report.Revision, result, report.Errors, report.Warnings);
            if (!report.HasFailures)
            {
                _lastSuccessAt = finishedAt;
            }

            foreach (var target in report.Targets)
            {
                var previous = _targets.GetValueOrDefault(target.Name);
                var applied = !target.HasFailures && report.Revision is not null;
                _targets[target.Name] = new TargetStatus(
                    target.Name,
                    target.Kind,
                    report.Revision,
                    finishedAt,
                    applied ? report.Revision : previous?.LastAppliedRevision,
                    applied ? finishedAt : previous?.LastAppliedAt,
                    Enum.GetValues<ChangeKind>().ToDictionary(k => k.ToString().ToLowerInvariant(), target.Count, StringComparer.Ordinal),
                    target.Error,
                    target.Objects.Where(o => o.Kind == ChangeKind.Failed)
                        .Select(o => new FailureStatus(o.Id.Namespace, o.Id.Name, o.Source, o.Message ?? "failed"))
                        .ToList(),
                    SecretStates(target, previous, finishedAt));
            }
        }

        _firstSyncAttempted = true;
        // Counted before the event: `?.Invoke(Increment(...))` would skip the count whenever nobody listens.
        var syncs = Interlocked.Increment(ref _syncs);
        SyncRecorded?.Invoke(syncs);
    }

    /// <summary>Each Secret's state; the last change and the opening keys carry over from the previous sync while it stays unchanged.</summary>
    private static List<SecretState> SecretStates(TargetReport target, TargetStatus? previous, DateTimeOffset finishedAt)
    {
        var before = (previous?.Secrets ?? []).GroupBy(s => (s.Namespace, s.Name)).ToDictionary(g => g.Key, g => g.First());

        // A failure of a whole file (unreadable, over a limit) names no Secret: it is listed under failures only.
        return target.Objects
            .Where(o => o.Id.Name.Length > 0)
            .Select(o =>
            {
                var earlier = before.GetValueOrDefault((o.Id.Namespace, o.Id.Name));
                return new SecretState(
                    o.Id.Namespace,
                    o.Id.Name,
                    o.Kind.ToString().ToLowerInvariant(),
                    o.Source,
                    o.SealedBy ?? earlier?.SealedBy ?? [],
                    o.Changes ? finishedAt : earlier?.LastChangeAt,
                    o.Message,
                    o.Access);
            })
            .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A sync that ended without a report (cancelled, or an unexpected error).</summary>
    public void RecordAbandoned(DateTimeOffset startedAt, DateTimeOffset finishedAt, string reason)
    {
        lock (_lock)
        {
            _lastSync = new SyncStatus(startedAt, finishedAt, null, "failed", [reason], []);
        }

        _firstSyncAttempted = true;
        var syncs = Interlocked.Increment(ref _syncs);
        SyncRecorded?.Invoke(syncs);
    }

    /// <summary>Raised after each certificate publishing attempt, with the number recorded so far.</summary>
    public event Action<long>? CertificatePublishRecorded;

    public void RecordCertificatePublish(CertificatePublishStatus attempt)
    {
        lock (_lock)
        {
            _certificatePublish = attempt;
        }

        var publishes = Interlocked.Increment(ref _certificatePublishes);
        CertificatePublishRecorded?.Invoke(publishes);
    }

    /// <summary>Certificate publishing attempts since the worker started.</summary>
    public long CertificatePublishes => Interlocked.Read(ref _certificatePublishes);

    public void SetNextSync(DateTimeOffset? at)
    {
        lock (_lock)
        {
            _nextSyncAt = at;
        }
    }

    public void SetNextKeyRenewal(DateTimeOffset? at)
    {
        lock (_lock)
        {
            _nextKeyRenewalAt = at;
        }
    }

    public StatusSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new StatusSnapshot(_lastSync, _lastSuccessAt, _nextSyncAt, _nextKeyRenewalAt, _targets.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList(), _certificatePublish);
        }
    }
}
