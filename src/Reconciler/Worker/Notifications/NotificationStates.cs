using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>
/// Turns sync reports into state changes per target: the first failure (or the first failure of a new
/// revision), the recovery, a new revision applied; and a pending state when a new revision is fetched.
/// A sync that repeats the last outcome yields nothing, so a target failing every minute is reported once.
/// State lives in memory: after a worker restart the first outcome is reported again.
/// </summary>
public sealed class NotificationStates(IReadOnlyList<string> targets, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (bool Failed, string? Revision)> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);

    /// <summary>A revision was fetched: pending for each target that has not seen it yet.</summary>
    public IReadOnlyList<NotificationEvent> Fetched(string revision)
    {
        lock (_lock)
        {
            var events = new List<NotificationEvent>();
            foreach (var target in targets)
            {
                var seen = _last.TryGetValue(target, out var last) && last.Revision == revision;
                if (!seen && (!_pending.TryGetValue(target, out var pending) || pending != revision))
                {
                    _pending[target] = revision;
                    events.Add(new NotificationEvent(NotificationKind.Pending, target, revision, CommitOf(revision), new(0, 0, 0, 0, 0), [], time.GetUtcNow()));
                }
            }

            return events;
        }
    }

    public IReadOnlyList<NotificationEvent> Completed(SyncReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.DryRun)
        {
            return [];
        }

        lock (_lock)
        {
            var events = new List<NotificationEvent>();
            foreach (var target in targets)
            {
                var part = report.Targets.FirstOrDefault(t => t.Name == target);
                var failed = report.Errors.Count > 0 || part is null || part.HasFailures;
                // A sync stopped before fetching knows no revision: for telling changes apart it is still at the
                // last one seen, but its event names none, so no commit is marked failed for an unreachable server.
                var revision = report.Revision ?? (_last.TryGetValue(target, out var known) ? known.Revision : null);
                var kind = Change(_last.TryGetValue(target, out var last) ? last : null, failed, revision);
                _last[target] = (failed, revision);
                _pending.Remove(target);
                if (kind is { } k)
                {
                    events.Add(new NotificationEvent(k, target, report.Revision, CommitOf(report.Revision), Count(part), Errors(report, part), time.GetUtcNow()));
                }
            }

            return events;
        }
    }

    private static NotificationKind? Change((bool Failed, string? Revision)? last, bool failed, string? revision) => (last, failed) switch
    {
        (null, true) => NotificationKind.Failed,
        (null, false) => NotificationKind.Applied,
        ({ Failed: true } l, true) => l.Revision == revision ? null : NotificationKind.Failed,
        ({ Failed: false } l, true) => NotificationKind.Failed,
        ({ Failed: true }, false) => NotificationKind.Recovered,
        ({ Failed: false } l, false) => l.Revision == revision ? null : NotificationKind.Applied,
    };

    private static NotificationCounts Count(TargetReport? part) => part is null
        ? new(0, 0, 0, 0, 0)
        : new(part.Count(ChangeKind.Create), part.Count(ChangeKind.Update), part.Count(ChangeKind.Delete), part.Count(ChangeKind.Unchanged), part.Count(ChangeKind.Failed));

    /// <summary>At most a few reasons, each one line: the report's own messages (file, document, key names; never values).</summary>
    private static List<string> Errors(SyncReport report, TargetReport? part)
    {
        var errors = report.Errors.ToList();
        if (part?.Error is { } error)
        {
            errors.Add(error);
        }

        errors.AddRange(part?.Objects.Where(o => o.Kind == ChangeKind.Failed).Select(o => $"{o.Id}: {o.Message}") ?? []);
        return errors.Take(10).Select(e => e.ReplaceLineEndings(" ")).Select(e => e.Length > 500 ? e[..500] + "…" : e).ToList();
    }

    /// <summary>The commit id of <c>ref@sha1:ID</c>.</summary>
    private static string? CommitOf(string? revision) =>
        revision?.LastIndexOf("@sha1:", StringComparison.Ordinal) is >= 0 and var at ? revision[(at + 6)..] : null;
}
