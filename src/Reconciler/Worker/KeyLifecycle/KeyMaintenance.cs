using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.KeyLifecycle;

/// <summary>
/// The leader's key housekeeping after each sync, on the files of the revision just synced:
/// <list type="bullet">
/// <item>retirement (<c>keys.retireAfter</c>, off by default): a key no document is sealed to, not the
/// newest and older than the grace period is marked compromised; once retired for
/// <c>keys.deleteRetiredAfter</c> it is deleted. Never when any document failed to parse.</item>
/// <item>the recovery drill, after each key change: do the keys open every sealed document?</item>
/// </list>
/// Both are logged, in <c>/status</c> and in metrics; retirement also as Events on the key Secret.
/// </summary>
public sealed class KeyMaintenance(WorkerConfiguration configuration, IKeyStore store, CurrentKeys keys, Unsealer unsealer, ValueCipher cipher, KeyLifecycleState state, TimeProvider time, ILogger<KeyMaintenance> logger)
{
    /// <summary>Retirement is checked again at least this often, since its grace periods run out with time alone.</summary>
    public static readonly TimeSpan RetirementRecheck = TimeSpan.FromHours(1);

    private string? _drilledKeys;
    private string? _retirementChecked;
    private DateTimeOffset _retirementCheckedAt;

    public async Task RunAsync(SyncReport report, CancellationToken cancellationToken)
    {
        if (report.SourceRoot is not { } root || report.Failed)
        {
            return;
        }

        var files = Files(root);
        string Display(string file) => Path.GetRelativePath(root, file).Replace('\\', '/');
        if (configuration.Keys.RetireAfter is { } grace && store is IKeyLifecycleStore lifecycle)
        {
            if (await RetireAsync(lifecycle, report, files, Display, grace, cancellationToken))
            {
                await keys.RefreshAsync(logger, cancellationToken);
            }
        }

        var ring = keys.Ring;
        var signature = string.Join(",", ring.Keys.Select(k => k.Fingerprint).Order(StringComparer.Ordinal));
        if (signature != _drilledKeys && ring.Count > 0)
        {
            var drill = new KeyDrill(unsealer).Run(files, ring, Display);
            state.RecordDrill(drill, report.Revision, time.GetUtcNow());
            _drilledKeys = signature;
            if (drill.Count(DrillResult.Fails) + drill.Count(DrillResult.Unreadable) > 0)
            {
                logger.LogError("Recovery drill at {Revision}: {Fails} sealed document(s) cannot be opened and {Unreadable} cannot be read with the keys of {Store}; see /status keyLifecycle.drill", report.Revision, drill.Count(DrillResult.Fails), drill.Count(DrillResult.Unreadable), store.Description);
            }
            else
            {
                logger.LogInformation("Recovery drill at {Revision}: all {Count} sealed document(s) open with the keys of {Store}", report.Revision, drill.Documents.Count, store.Description);
            }
        }
    }

    /// <summary>Returns true when a key was retired or deleted (the ring must be reloaded).</summary>
    private async Task<bool> RetireAsync(IKeyLifecycleStore lifecycle, SyncReport report, IReadOnlyList<string> files, Func<string, string> display, TimeSpan grace, CancellationToken cancellationToken)
    {
        var parseFailures = report.Targets.SelectMany(t => t.Objects).Count(o => o.Kind == ChangeKind.Failed && o.Reason == FailureReason.Parse);
        if (parseFailures > 0)
        {
            logger.LogInformation("Key retirement skipped: {Count} document(s) failed to parse at {Revision}, so any key may still be needed", parseFailures, report.Revision);
            return false;
        }

        var now = time.GetUtcNow();
        var checkKey = $"{report.Revision}|{string.Join(",", keys.Ring.Keys.Select(k => k.Fingerprint).Order(StringComparer.Ordinal))}";
        if (checkKey == _retirementChecked && now - _retirementCheckedAt < RetirementRecheck)
        {
            return false;
        }

        var stored = await lifecycle.ListAllAsync(cancellationToken);
        var changed = false;
        try
        {
            var users = KeyUsersFinder.Find(cipher, files, stored.Select(k => k.Key), display);
            var deleteAfter = configuration.Keys.DeleteRetiredAfter ?? grace;
            foreach (var key in stored)
            {
                var decision = KeyRetirementPolicy.Decide(key, stored, users, grace, deleteAfter, now);
                if (decision.Action == RetirementAction.Keep)
                {
                    continue;
                }

                var action = decision.Action == RetirementAction.Retire ? "retire" : "delete";
                string? error = null;
                try
                {
                    if (decision.Action == RetirementAction.Retire)
                    {
                        await lifecycle.RetireAsync(key, now, $"keys.retireAfter {Durations.Format(grace)}: {decision.Reason}", cancellationToken);
                    }
                    else
                    {
                        await lifecycle.DeleteRetiredAsync(key, cancellationToken);
                    }

                    changed = true;
                }
                catch (Exception e) when (Failures.IsExpected(e))
                {
                    error = e.Message;
                    logger.LogError("Key retirement: {Action} of key {Key} failed: {Error}", action, key.StoredAs, e.Message);
                }

                state.RecordRetirement(new RetirementEvent(now, action, key.StoredAs, key.Key.Fingerprint, decision.Reason, error));
            }
        }
        finally
        {
            foreach (var key in stored)
            {
                key.Key.Dispose();
            }
        }

        _retirementChecked = checkKey;
        _retirementCheckedAt = now;
        return changed;
    }

    /// <summary>The manifest files every target reads at this revision (the whole repository when a target reads it all).</summary>
    private IReadOnlyList<string> Files(string root)
    {
        var paths = configuration.Targets.Select(t => t.Paths.Count > 0 ? t.Paths : configuration.Source.Paths).ToList();
        var wanted = paths.Any(p => p.Count == 0) ? [root] : paths.SelectMany(p => p).Distinct(StringComparer.Ordinal).Select(p => Path.Combine(root, p)).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        return wanted.Count == 0 ? [] : ManifestFiles.Find(wanted);
    }
}
