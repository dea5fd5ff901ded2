using System.Collections.Concurrent;
using System.Threading.Channels;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Restarts;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Sync;

public sealed record SyncEngineOptions
{
    /// <summary>Values opened at once; RSA is CPU-bound, so one per core.</summary>
    public int DecryptParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Writes in flight at once per target, overlapping I/O with decryption.</summary>
    public int WriteParallelism { get; init; } = 4;

    /// <summary>How long a sync waits for another sync holding the cache's or a target's lock (sync --lock-timeout).</summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromMinutes(5);
}

/// <summary>
/// One sync: fetch → discover → observe → decide (decrypting only what changed) → apply → report.
/// Fail-closed: a document that cannot be parsed or opened leaves its Secret untouched (no update, no
/// prune); a file that cannot be parsed suspends pruning for the targets that read it; a source or
/// key failure changes nothing. Keeps its index between runs, so an unchanged revision reads no file
/// and decrypts nothing. Never runs two syncs at once.
/// </summary>
public sealed class SyncEngine
{
    private readonly ISecretSource _source;
    private readonly CurrentKeys _keys;
    private readonly IReadOnlyList<SyncTarget> _targets;
    private readonly Unsealer _unsealer;
    private readonly CryptoCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SyncEngineOptions _options;
    private readonly SealedSecretIndex _index;
    private readonly Dictionary<string, HashSet<string>> _knownNamespaces = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly WorkloadRestarts _restarts;

    /// <summary>Per target: whether the next sync must look at SharedSecrets' RBAC and attachments even without SharedSecrets.</summary>
    private readonly Dictionary<string, bool> _accessPassNeeded = new(StringComparer.Ordinal);

    /// <summary>An engine that reads <paramref name="keys"/> alone (a one-off sync, a test).</summary>
    public SyncEngine(ISecretSource source, IKeyStore keys, IReadOnlyList<SyncTarget> targets, Unsealer unsealer, CryptoCounters counters, TimeProvider time, ILogger<SyncEngine> logger, SyncEngineOptions? options = null)
        : this(source, new CurrentKeys(keys), targets, unsealer, counters, time, logger, options)
    {
    }

    /// <summary>An engine that shares the current keys with others (the worker's endpoints and jobs).</summary>
    public SyncEngine(ISecretSource source, CurrentKeys keys, IReadOnlyList<SyncTarget> targets, Unsealer unsealer, CryptoCounters counters, TimeProvider time, ILogger<SyncEngine> logger, SyncEngineOptions? options = null)
    {
        _source = source;
        _keys = keys;
        _targets = targets;
        _unsealer = unsealer;
        _counters = counters;
        _time = time;
        _logger = logger;
        _options = options ?? new SyncEngineOptions();

        // Read only what some target reads: the union of their paths (an empty list is the whole repository).
        var paths = targets.Any(t => t.Paths.Count == 0) ? [] : targets.SelectMany(t => t.Paths).Distinct(StringComparer.Ordinal).ToList();
        _index = new SealedSecretIndex(paths);
        _restarts = new WorkloadRestarts(logger);
    }

    public IReadOnlyList<SyncTarget> Targets => _targets;

    public async Task<SyncReport> SyncAsync(bool dryRun, IProgress<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            // Held from the fetch to the last write: the cache is not checked out anew under our reads, and
            // no other sync writes a target between our observation and our writes, so a target always holds
            // one revision's content. Taken in path order, so two syncs never each hold what the other waits for.
            using var locks = await AcquireLocksAsync(dryRun, cancellationToken);
            return await RunAsync(dryRun, progress, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Takes every lock of the source and the targets; <see cref="LockHeldException"/> when one stays held past the timeout.</summary>
    private async Task<LockSet> AcquireLocksAsync(bool dryRun, CancellationToken cancellationToken)
    {
        // A plan writes nothing: a target root that does not exist yet is not made just to hold its lock.
        var targetLocks = _targets.Select(t => t.Target.Lock).OfType<LockFile>()
            .Where(f => !dryRun || Directory.Exists(Path.GetDirectoryName(f.Path)));
        var files = targetLocks.Prepend(_source.Lock).OfType<LockFile>()
            .DistinctBy(f => f.Path, StringComparer.Ordinal).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var held = new LockSet();
        try
        {
            foreach (var file in files)
            {
                held.Add(await ProcessLock.AcquireAsync(file, _options.LockTimeout, cancellationToken, holder: "another sync"));
            }

            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private async Task<SyncReport> RunAsync(bool dryRun, IProgress<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var phases = new PhaseTimes(_time);
        var rsaBefore = _counters.RsaPrivateOperations;
        var warnings = new List<string>();
        SyncReport Report(string? revision, IReadOnlyList<TargetReport> targets, IReadOnlyList<string> errors, SyncFailure? stoppedAt = null) =>
            new(revision, dryRun, targets, errors, warnings, _counters.RsaPrivateOperations - rsaBefore, _index.FilesReadLastUpdate, _time.GetElapsedTime(started)) { StoppedAt = stoppedAt };

        SourceSnapshot snapshot;
        try
        {
            snapshot = await _source.FetchAsync(cancellationToken);
        }
        catch (SourceVerificationException e)
        {
            _logger.LogError("Source {Source}: {Error}; nothing applied", _source.Description, e.Message);
            return Report(null, [], [$"source {_source.Description}: {e.Message}; nothing was changed"], SyncFailure.Unverified);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError("Fetching {Source} failed: {Error}; nothing applied", _source.Description, e.Message);
            return Report(null, [], [$"source {_source.Description}: {e.Message}; nothing was changed"], SyncFailure.Source);
        }

        if (snapshot.Warning is { } sourceWarning)
        {
            _logger.LogWarning("Source {Source}: {Warning}", _source.Description, sourceWarning);
            warnings.Add($"source {_source.Description}: {sourceWarning}");
        }

        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["revision"] = snapshot.Revision });
        progress?.Report(new SyncProgress("fetched", 0, 0, snapshot.Revision)); // lets the worker mark the revision pending
        phases.Mark("fetch");
        var changedPaths = _index.Commit is { } previous && previous != snapshot.Commit ? _source.ChangedPaths(previous, snapshot.Commit) : null;
        _index.Update(snapshot, changedPaths);
        CrashPoints.Reached(CrashPoints.Indexed);
        phases.Mark("index");

        KeyRingSnapshot keyLoad;
        try
        {
            keyLoad = await _keys.LoadForSyncAsync(cancellationToken);
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            return Report(snapshot.Revision, [], [$"keys {_keys.StoreDescription}: {e.Message}; nothing was changed"], SyncFailure.Keys);
        }

        warnings.AddRange(keyLoad.Problems.Select(p => $"key skipped: {p}"));
        var ring = keyLoad.Ring; // owned by CurrentKeys
        if (!ring.UnsealingKeys.Any())
        {
            warnings.Add($"no private key in {_keys.StoreDescription}: nothing can be decrypted");
        }

        phases.Mark("keys");
        if (!dryRun)
        {
            foreach (var target in _targets)
            {
                warnings.AddRange(await RecoverAsync(target, cancellationToken));
            }
        }

        var sharing = SharingInRepository();
        var plans = new List<TargetPlan>();
        foreach (var target in _targets)
        {
            var plan = await ObserveAsync(target, sharing, cancellationToken);
            warnings.AddRange(plan.Notes.Select(n => $"target {target.Name}: {n}"));
            plans.Add(plan);
        }

        phases.Mark("observe and plan");
        if (UnknownPaths(snapshot, plans) is { Count: > 0 } unknown)
        {
            return Report(snapshot.Revision, [], [$"path {string.Join(", ", unknown)}: not in the repository at {snapshot.Revision}; nothing was changed"], SyncFailure.Paths);
        }

        var opener = new Opener(_unsealer, ring);
        await DecideAndWriteAsync(plans, opener, snapshot.Revision, dryRun, progress, cancellationToken);
        phases.Mark("decrypt and write");
        if (!dryRun)
        {
            foreach (var plan in plans)
            {
                foreach (var id in plan.LeftAlone)
                {
                    await RecordEventAsync(plan, id, SecretEvent.NotOurs(id.Name), cancellationToken);
                }
            }
        }

        foreach (var plan in plans.Where(p => p.Error is null))
        {
            await PruneAsync(plan, dryRun, cancellationToken);
            await SharedAccessAsync(plan, sharing.Teams, snapshot.Revision, dryRun, cancellationToken);
            RememberNamespaces(plan);
        }

        phases.Mark("prune");
        if (!dryRun)
        {
            foreach (var plan in plans.Where(p => p.Error is null))
            {
                warnings.AddRange(await _restarts.RestartAsync(plan.Target, plan.SecretStates(), plan.Rollouts, cancellationToken));
                if (plan.Target.Target is IChangeHook hook)
                {
                    warnings.AddRange(await hook.AfterChangesAsync(plan.Results.Where(r => r.Changes).Select(r => r.Id).Distinct().ToList(), cancellationToken));
                }
            }

            phases.Mark("restarts");
        }

        _logger.LogDebug("Sync phases: {Phases}", phases);
        var report = Report(snapshot.Revision, plans.Select(p => p.ToReport()).ToList(), []) with { SourceRoot = snapshot.Root };
        _logger.LogInformation(
            "Sync of {Revision} {Mode}: {Changes} change(s), {Failures} failure(s), {Rsa} RSA operation(s), {Files} file(s) read",
            snapshot.Revision, dryRun ? "planned" : "applied", report.Targets.Sum(t => t.Objects.Count(o => o.Changes)),
            report.Targets.Sum(t => t.Count(ChangeKind.Failed)), report.RsaOperations, report.FilesRead);
        return report;
    }

    /// <summary>
    /// Configured paths that name nothing: neither a file nor a folder at this revision, and no Secret in
    /// the targets came from under them. Such a path is a typo (<c>clusters/prodution</c>), and syncing it
    /// would read nothing and succeed; fail closed instead. A path whose last file was deleted still has
    /// its Secrets in the targets, so that removal syncs (and prunes) as before.
    /// </summary>
    private static List<string> UnknownPaths(SourceSnapshot snapshot, IReadOnlyList<TargetPlan> plans) =>
        plans.SelectMany(plan => plan.Target.Paths.Select(RepositoryPaths.Normalize).Where(p => p.Length > 0).Select(path => (Path: path, Plan: plan)))
            .Where(p => !File.Exists(Path.Combine(snapshot.Root, p.Path)) && !Directory.Exists(Path.Combine(snapshot.Root, p.Path)))
            .GroupBy(p => p.Path, StringComparer.Ordinal)
            .Where(group => !group.Any(p => p.Plan.Observed.Any(o => o.Managed && o.Stamp?.Source is { } source
                && RepositoryPaths.IsUnderAny(source.Split('#', 2)[0], [group.Key]))))
            .Select(group => group.Key)
            .ToList();

    private async Task<IReadOnlyList<string>> RecoverAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        try
        {
            var done = await target.Target.RecoverAsync(cancellationToken);
            return done.Select(d => $"target {target.Name}: {d}").ToList();
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            // Leftovers are hidden from readers and never taken for Secrets; failing to remove them is worth a
            // warning, not a reason to stop delivering Secrets.
            return [$"target {target.Name}: cleaning up after an interrupted sync failed: {e.Message}"];
        }
    }

    private async Task<TargetPlan> ObserveAsync(SyncTarget target, RepositorySharing sharing, CancellationToken cancellationToken)
    {
        var plan = new TargetPlan(target);
        var shared = new List<SharedDocument>();
        foreach (var (path, file) in _index.FilesUnder(target.Paths))
        {
            foreach (var desired in file.Secrets)
            {
                if (target.Tenancy.Violation(path, desired.Id.Namespace) is { } violation)
                {
                    plan.AddDiscoveryError(new DiscoveryError(path, desired.Location, $"{desired.Location}: SealedSecret {desired.Id}: {violation}; nothing of this document is applied to target {target.Name}", desired.Id));
                    continue;
                }

                plan.Desired.Add(desired);
            }

            shared.AddRange(file.Sharing.SharedSecrets.Select(s => new SharedDocument(path, s)));
            foreach (var error in file.Errors)
            {
                plan.AddDiscoveryError(error);
            }
        }

        foreach (var error in sharing.Errors)
        {
            plan.AddDiscoveryError(error);
        }

        if (shared.Count > 0)
        {
            IReadOnlyList<NamespaceInfo>? clusterNamespaces = null;
            if (target.Target is IHasSharedAccess { SharedAccess: var access } && shared.Any(s => s.Secret.Distribute.NamespaceSelector is not null))
            {
                try
                {
                    clusterNamespaces = await access.ListNamespacesAsync(cancellationToken);
                }
                catch (Exception e) when (Failures.IsExpected(e))
                {
                    plan.Error = $"listing the namespaces for namespaceSelector failed: {e.Message}; nothing was changed in it";
                    return plan;
                }
            }

            var fanOut = SharedFanOut.Expand(target, shared, sharing.Teams, clusterNamespaces);
            plan.Desired.AddRange(fanOut.Copies);
            plan.Notes.AddRange(fanOut.Notes);
            foreach (var error in fanOut.Errors)
            {
                plan.AddDiscoveryError(error);
            }
        }

        plan.RejectDuplicates();
        var namespaces = _knownNamespaces.TryGetValue(target.Name, out var known)
            ? plan.Desired.Select(d => d.Id.Namespace).Concat(known).ToHashSet(StringComparer.Ordinal)
            : null;
        try
        {
            var observed = await target.Target.ObserveAsync(namespaces, plan.Desired.Select(d => d.Id).ToList(), cancellationToken);
            plan.SetObserved(observed);
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            _logger.LogError("Reading target {Target} failed: {Error}; the target is left untouched", target.Name, e.Message);
            plan.Error = $"reading the target failed: {e.Message}; nothing was changed in it";
            return plan;
        }

        foreach (var desired in plan.Desired)
        {
            var observed = plan.ObservedById.GetValueOrDefault(desired.Id);
            if (observed is not null && Planner.MadeByClusterSource(desired, observed) is { } clash)
            {
                plan.Protect(desired.Id);
                plan.Results.Add(clash);
            }
            else if (observed is not null && Planner.NotOurs(desired, observed, target.Target.Kind) is { } skipped)
            {
                plan.Results.Add(skipped);
                plan.LeftAlone.Add(desired.Id);
            }
            else if (observed is not null && Planner.IsCurrent(desired, observed))
            {
                plan.Results.Add(new ObjectResult(ChangeKind.Unchanged, desired.Id, desired.Source, null, null) { Access = SharedAccessSummary.Of(desired) });
            }
            else
            {
                plan.ToOpen.Add(desired);
            }
        }

        return plan;
    }

    /// <summary>
    /// Decrypts on every core and writes through a separate pool: decryption (CPU) never waits behind a
    /// slow write (an fsync, an API round trip), and at most a bounded queue of opened Secrets is held.
    /// </summary>
    private async Task DecideAndWriteAsync(List<TargetPlan> plans, Opener opener, string revision, bool dryRun, IProgress<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        var work = plans.Where(p => p.Error is null).SelectMany(p => p.ToOpen.Select(d => (Plan: p, Desired: d))).ToList();
        if (work.Count == 0)
        {
            return;
        }

        var done = 0;
        void Record(TargetPlan plan, ObjectResult result)
        {
            lock (plan)
            {
                plan.Results.Add(result);
            }

            progress?.Report(new SyncProgress(dryRun ? "planned" : "applied", Interlocked.Increment(ref done), work.Count));
        }

        var writes = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(64) { SingleWriter = false, SingleReader = false });
        var writers = Enumerable.Range(0, dryRun ? 0 : Math.Max(1, _options.WriteParallelism)).Select(_ => Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var write in writes.Reader.ReadAllAsync(cancellationToken))
                    {
                        Record(write.Plan, await WriteOneAsync(write, revision, cancellationToken));
                    }
                }
                catch (Exception e)
                {
                    // A writer that stops must not leave the decryptors blocked on a full queue.
                    writes.Writer.TryComplete(e);
                    throw;
                }
            },
            cancellationToken)).ToList();
        try
        {
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.DecryptParallelism), CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var (write, result) = await DecideOneAsync(item.Plan, item.Desired, opener, dryRun, ct);
                CrashPoints.Reached(CrashPoints.Decrypted);
                if (write is not null)
                {
                    await writes.Writer.WriteAsync(write, ct);
                }
                else
                {
                    Record(item.Plan, result);
                }
            });
        }
        finally
        {
            writes.Writer.Complete();
            await Task.WhenAll(writers);
        }
    }

    /// <summary>Opens and validates one Secret and decides how to write it; null write: the result is final.</summary>
    private async Task<(PendingWrite? Write, ObjectResult Result)> DecideOneAsync(TargetPlan plan, DesiredSecret desired, Opener opener, bool dryRun, CancellationToken cancellationToken)
    {
        var unsealed = opener.Open(desired);
        if (unsealed.Secret is not { } secret)
        {
            plan.Protect(desired.Id);
            if (!dryRun)
            {
                await RecordEventAsync(plan, desired.Id, SecretEvent.UnsealFailed(unsealed.Error ?? "unknown error"), cancellationToken);
            }

            return (null, new ObjectResult(ChangeKind.Failed, desired.Id, desired.Source, null, $"{desired.Location}: SealedSecret {desired.Id}: {unsealed.Error}") { Reason = FailureReason.Unseal });
        }

        if (desired.FanOutNamespace is { } fanOutNamespace)
        {
            // A SharedSecret's copy: opened once with the home identity, written in its own namespace.
            secret = secret.Clone();
            secret.Metadata.Namespace = fanOutNamespace;
        }

        var problems = SecretValidator.Validate(secret);
        if (problems.Count > 0)
        {
            plan.Protect(desired.Id);
            return (null, new ObjectResult(ChangeKind.Failed, desired.Id, desired.Source, null, $"{desired.Location}: SealedSecret {desired.Id}: the unsealed Secret is invalid: {string.Join("; ", problems)}") { Reason = FailureReason.Unseal });
        }

        var (mode, result) = Planner.Decide(desired, secret, plan.ObservedById.GetValueOrDefault(desired.Id));
        result = result with { SealedBy = unsealed.OpenedBy.Values.Select(k => k.ShortFingerprint).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), Access = SharedAccessSummary.Of(desired) };
        if (mode is not { } writeMode)
        {
            plan.Protect(desired.Id);
            if (!dryRun)
            {
                // Refused before any write (an immutable Secret whose data changed): Bitnami's controller says so on the object too.
                await RecordEventAsync(plan, desired.Id, SecretEvent.UpdateFailed(result.Message ?? "the Secret cannot be updated in place"), cancellationToken);
            }

            return (null, result);
        }

        return dryRun ? (null, result) : (new PendingWrite(plan, desired, secret, writeMode, result), result);
    }

    private async Task<ObjectResult> WriteOneAsync(PendingWrite write, string revision, CancellationToken cancellationToken)
    {
        var (plan, desired, secret, mode, result) = write;
        var stamp = new AppliedStamp(desired.SealedHash, SecretHashes.DataHash(secret.Data), desired.Source, revision);
        try
        {
            await plan.Target.Target.WriteAsync(new SecretWrite(secret, stamp, mode), cancellationToken);
            plan.RecordWritten(desired.Id, secret, mode);
            _logger.LogInformation("{Kind} {Secret} in {Target} from {Source}: {Diff}", result.Kind, desired.Id, plan.Target.Name, desired.Source, result.Diff);
            return result;
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            plan.Protect(desired.Id);
            _logger.LogWarning("Writing {Secret} to {Target} failed: {Error}", desired.Id, plan.Target.Name, e.Message);
            return result with { Kind = ChangeKind.Failed, Message = $"writing to {plan.Target.Name} failed: {e.Message}", Reason = FailureReason.Update };
        }
    }

    /// <summary>An opened Secret waiting for a writer: held in memory only until it is written.</summary>
    private sealed record PendingWrite(TargetPlan Plan, DesiredSecret Desired, Secret Secret, WriteMode Mode, ObjectResult Result);

    private async Task PruneAsync(TargetPlan plan, bool dryRun, CancellationToken cancellationToken)
    {
        if (!plan.Target.Prune)
        {
            return;
        }

        if (plan.PruneSuspended is not null)
        {
            _logger.LogWarning("Prune suspended for {Target}: {Reason}", plan.Target.Name, plan.PruneSuspended);
            return;
        }

        var keep = plan.Desired.Select(d => d.Id).Concat(plan.Protected).ToHashSet();
        var failedPaths = plan.FailedPaths();
        foreach (var observed in Planner.Prunable(plan.Observed, keep, failedPaths, plan.Target.Paths))
        {
            var result = new ObjectResult(ChangeKind.Delete, observed.Id, observed.Stamp?.Source, SecretDiff.ForDelete(observed), null);
            if (!dryRun)
            {
                try
                {
                    await plan.Target.Target.DeleteAsync(observed.Id, cancellationToken);
                    _logger.LogInformation("Deleted {Secret} from {Target}: its SealedSecret left {Source}", observed.Id, plan.Target.Name, observed.Stamp?.Source);
                }
                catch (Exception e) when (Failures.IsExpected(e))
                {
                    result = result with { Kind = ChangeKind.Failed, Message = $"deleting from {plan.Target.Name} failed: {e.Message}", Reason = FailureReason.Update };
                }
            }

            plan.Results.Add(result);
        }
    }

    /// <summary>Every Team of the repository (teams are repository-wide), and the errors of duplicated names.</summary>
    private RepositorySharing SharingInRepository()
    {
        var files = _index.FilesUnder([]).ToList();
        var errors = new List<ManifestException>();
        var teams = SharingValidator.TeamsByName(files.SelectMany(f => f.Value.Sharing.Teams), errors);
        var discovery = errors.Select(e => new DiscoveryError(e.Location?.File ?? string.Empty, e.Location ?? new SourceLocation(string.Empty, 0, 0), e.Message)).ToList();
        return new RepositorySharing(teams, discovery);
    }

    /// <summary>The Roles, RoleBindings and image pull attachments of the SharedSecrets in one target; a line each in its report.</summary>
    private async Task SharedAccessAsync(TargetPlan plan, IReadOnlyDictionary<string, Team> teams, string revision, bool dryRun, CancellationToken cancellationToken)
    {
        if (plan.Target.Target is not IHasSharedAccess { SharedAccess: var access })
        {
            return;
        }

        // Without SharedSecrets now or at the last sync, there is nothing to make or prune: no extra LIST.
        // The first sync after a start always looks once, for what an earlier run left behind.
        var copies = plan.Desired.Where(d => d.Shared is not null).ToList();
        if (copies.Count == 0 && _accessPassNeeded.TryGetValue(plan.Target.Name, out var needed) && !needed)
        {
            return;
        }

        var failedPaths = plan.FailedPaths();
        var kept = plan.Protected
            .Concat(plan.Results.Where(r => r.Kind == ChangeKind.Failed).Select(r => r.Id))
            .Concat(plan.Observed.Where(o => o.Stamp is { } stamp && failedPaths.Contains(stamp.Source.Split('#', 2)[0])).Select(o => o.Id))
            .ToHashSet();
        var prune = plan.Target.Prune && plan.PruneSuspended is null;
        var secretNamespaces = plan.Observed.Where(o => o.Managed).Select(o => o.Id.Namespace).ToHashSet(StringComparer.Ordinal);
        try
        {
            var outcome = await SharedAccessStep.RunAsync(access, plan.Target, copies, kept, failedPaths, prune, teams, secretNamespaces, revision, dryRun, cancellationToken);
            plan.Access.AddRange(outcome.Lines);
            plan.AccessFailures += outcome.Failures;
            _accessPassNeeded[plan.Target.Name] = dryRun || copies.Count > 0 || outcome.Failures > 0 || !prune;
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            _logger.LogWarning("Access rules in {Target} could not be read: {Error}", plan.Target.Name, e.Message);
            plan.Access.Add($"failed: reading Roles, RoleBindings or ServiceAccounts: {e.Message}; access left as it was");
            plan.AccessFailures++;
        }
    }

    /// <summary>The repository's Teams and the errors among them.</summary>
    private sealed record RepositorySharing(IReadOnlyDictionary<string, Team> Teams, IReadOnlyList<DiscoveryError> Errors);

    /// <summary>Events (Bitnami's reasons) for targets that keep them; outcomes the target cannot see for itself.</summary>
    private static Task RecordEventAsync(TargetPlan plan, SecretId id, SecretEvent secretEvent, CancellationToken cancellationToken) =>
        plan.Target.Target is ISecretEventRecorder recorder ? recorder.RecordAsync(id, secretEvent, cancellationToken) : Task.CompletedTask;

    private void RememberNamespaces(TargetPlan plan)
    {
        var deleted = plan.Results.Where(r => r.Kind == ChangeKind.Delete).Select(r => r.Id).ToHashSet();
        _knownNamespaces[plan.Target.Name] = plan.Observed.Where(o => o.Managed && !deleted.Contains(o.Id)).Select(o => o.Id.Namespace)
            .Concat(plan.Desired.Select(d => d.Id.Namespace))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Opens each SealedSecret at most once per sync, even when several targets need it.</summary>
    private sealed class Opener(Unsealer unsealer, KeyRing ring)
    {
        private readonly ConcurrentDictionary<string, Lazy<UnsealResult>> _results = new(StringComparer.Ordinal);

        public UnsealResult Open(DesiredSecret desired) =>
            _results.GetOrAdd(desired.SealedHash, _ => new Lazy<UnsealResult>(() => unsealer.Unseal(desired.SealedSecret, ring))).Value;
    }

    /// <summary>One target's state during a sync.</summary>
    private sealed class TargetPlan(SyncTarget target)
    {
        private readonly HashSet<SecretId> _protected = [];

        public SyncTarget Target { get; } = target;

        public List<DesiredSecret> Desired { get; } = [];

        public List<DesiredSecret> ToOpen { get; } = [];

        public List<ObjectResult> Results { get; } = [];

        /// <summary>Desired Secrets that exist in the target, not ours and not offered for takeover.</summary>
        public List<SecretId> LeftAlone { get; } = [];

        public IReadOnlyList<ObservedSecret> Observed { get; private set; } = [];

        public Dictionary<SecretId, ObservedSecret> ObservedById { get; private set; } = [];

        public IEnumerable<SecretId> Protected
        {
            get
            {
                lock (_protected)
                {
                    return _protected.ToList();
                }
            }
        }

        public string? PruneSuspended { get; private set; }

        /// <summary>Workloads rolled after this sync's writes.</summary>
        public List<RolloutResult> Rollouts { get; } = [];

        /// <summary>Key hashes of the Secrets written this sync (for workload restarts).</summary>
        private readonly Dictionary<SecretId, (IReadOnlyDictionary<string, string> Keys, WriteMode Mode)> _written = [];

        public void RecordWritten(SecretId id, Secret secret, WriteMode mode)
        {
            lock (_written)
            {
                _written[id] = (SecretHashes.KeyHashes(secret.Data), mode);
            }
        }

        /// <summary>The managed Secrets' key hashes before and after this sync's writes and deletes.</summary>
        public SecretStates SecretStates()
        {
            var deleted = Results.Where(r => r.Kind == ChangeKind.Delete).Select(r => r.Id).ToHashSet();
            var before = Observed.Where(o => o.Managed || _written.ContainsKey(o.Id)).GroupBy(o => o.Id)
                .ToDictionary(g => g.Key, g => g.First().KeyHashes);
            var after = before.Where(p => !deleted.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
            foreach (var (id, (keys, mode)) in _written)
            {
                after[id] = mode == WriteMode.Patch && before.TryGetValue(id, out var old)
                    ? old.Concat(keys).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)
                    : keys;
            }

            return new SecretStates(before, after);
        }

        public string? Error { get; set; }

        /// <summary>Lines for the report that are not about one Secret (what does not apply to this target).</summary>
        public List<string> Notes { get; } = [];

        /// <summary>What the SharedSecrets' access step did: Roles, RoleBindings, image pull attachments.</summary>
        public List<string> Access { get; } = [];

        public int AccessFailures { get; set; }

        /// <summary>Files with a document that failed this time: nothing that came from them is pruned.</summary>
        public HashSet<string> FailedPaths() => Results.Where(r => r.Kind == ChangeKind.Failed && r.Source is not null)
            .SelectMany(r => r.Source!.Split(", ")).Select(s => s.Split('#', 2)[0]).ToHashSet(StringComparer.Ordinal);

        /// <summary>A Secret that must not be changed or pruned this time (its document failed).</summary>
        public void Protect(SecretId id)
        {
            lock (_protected)
            {
                _protected.Add(id);
            }
        }

        public void AddDiscoveryError(DiscoveryError error)
        {
            if (error.Id is { } id)
            {
                Protect(id);
                Results.Add(new ObjectResult(ChangeKind.Failed, id, error.Path, null, error.Message) { Reason = FailureReason.Parse });
            }
            else
            {
                PruneSuspended ??= $"{error.Path} could not be read, so Secrets that may come from it are not deleted";
                Results.Add(new ObjectResult(ChangeKind.Failed, new SecretId(string.Empty, string.Empty), error.Path, null, error.Message) { Reason = FailureReason.Parse });
            }
        }

        /// <summary>The same namespace/name in two places: both rejected, with one error naming every place.</summary>
        public void RejectDuplicates()
        {
            foreach (var group in Desired.GroupBy(d => d.Id).Where(g => g.Count() > 1).ToList())
            {
                var places = string.Join(" and ", group.Select(d => d.Location.ToString()));
                Protect(group.Key);
                Results.Add(new ObjectResult(ChangeKind.Failed, group.Key, string.Join(", ", group.Select(d => d.Source)), null,
                    $"SealedSecret {group.Key} is defined in more than one place: {places}; none of them is applied")
                {
                    Reason = FailureReason.Parse,
                });
                Desired.RemoveAll(d => d.Id == group.Key);
            }
        }

        public void SetObserved(IReadOnlyList<ObservedSecret> observed)
        {
            Observed = observed;
            ObservedById = observed.GroupBy(o => o.Id).ToDictionary(g => g.Key, g => g.First());
        }

        public TargetReport ToReport() => new(
            Target.Name,
            Target.Target.Kind,
            Results.OrderBy(r => r.Id.Namespace, StringComparer.Ordinal).ThenBy(r => r.Id.Name, StringComparer.Ordinal).ToList(),
            Target.Prune ? PruneSuspended : null,
            Error)
        {
            Rollouts = Rollouts.OrderBy(r => r.Workload.Namespace, StringComparer.Ordinal).ThenBy(r => r.Workload.Name, StringComparer.Ordinal).ToList(),
            Access = Access,
            AccessFailures = AccessFailures,
        };
    }

    /// <summary>The locks one sync holds, released together.</summary>
    private sealed class LockSet : IDisposable
    {
        private readonly List<ProcessLock> _locks = [];

        public void Add(ProcessLock held) => _locks.Add(held);

        public void Dispose()
        {
            foreach (var held in Enumerable.Reverse(_locks))
            {
                held.Dispose();
            }
        }
    }
}

/// <summary>Where a sync's time went, for <c>--verbose</c> and the benchmarks: each phase's milliseconds since the one before.</summary>
internal sealed class PhaseTimes(TimeProvider time)
{
    private readonly List<(string Phase, TimeSpan Took)> _phases = [];
    private long _last = time.GetTimestamp();

    public void Mark(string phase)
    {
        var now = time.GetTimestamp();
        _phases.Add((phase, time.GetElapsedTime(_last, now)));
        _last = now;
    }

    public override string ToString() =>
        string.Join(", ", _phases.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Phase} {p.Took.TotalMilliseconds:F0} ms")));
}
