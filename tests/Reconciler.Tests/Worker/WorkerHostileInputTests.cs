using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.Hostile;
using GitOpsSecrets.Tests.Manifests;
using GitOpsSecrets.Tests.TestSupport;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// An OOM-sized commit against the running worker (issue 17, point 6): an alias bomb, a file of exactly the
/// size limit and one a byte over it, committed next to a good change. The worker reports those files, applies
/// the rest, keeps serving, and after several more syncs over the same files its memory is back where it was.
/// Runs in the hostile collection (alone in the process), so the heap it measures is its own.
/// </summary>
[Collection(nameof(HostileInputCollection))]
public sealed class WorkerHostileInputTests(ITestOutputHelper output) : IDisposable
{
    private const string HookToken = "hook-token-oom-2468";
    private const int RepeatedSyncs = 5;

    /// <summary>
    /// What the managed heap may keep after the hostile syncs, over the steady state before them. The index keeps
    /// per file only its Secrets and one-line errors (kilobytes); a kept copy of the 16 MiB file (16 MiB as bytes,
    /// 32 MiB as text) or of an expanded bomb would be far above this, while caches of the runtime, Quartz and
    /// Kestrel stay well below it.
    /// </summary>
    private const long HeapGrowthBound = 12L * 1024 * 1024;

    /// <summary>
    /// Resident set growth allowed over the repeated hostile syncs, measured from the first of them: the first
    /// read of a 16 MiB file grows the GC's segments once (measured: about 200 MiB in the test host, which the
    /// GC keeps mapped for reuse rather than returning), so the steady state is the RSS after that first sync.
    /// From there a leak of the inputs (5 × 16 MiB as bytes, twice that as text) would exceed this bound.
    /// </summary>
    private const long RssGrowthBound = 64L * 1024 * 1024;

    private readonly TempDirectory _token = new();

    public void Dispose() => _token.Dispose();

    [Fact]
    public async Task OomSizedCommit_WorkerReportsThoseFiles_AppliesTheRest_AndMemoryReturnsToSteadyState()
    {
        _token.Write("token", HookToken + "\n");
        await using var worker = await WorkerFixture.StartAsync(
            configure: c => c.Worker.SyncHookTokenFile = _token.File("token"),
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));
        await worker.WaitForSyncsAsync(1);
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("success", worker.Log.ToString());
        var dbBefore = worker.Target.StampOf(new SecretId("apps", "db"));

        // Steady state: the same worker after a few ordinary syncs.
        for (var i = 0; i < 2; i++)
        {
            await SyncNewCommitAsync(worker);
        }

        var (heapBefore, rssBefore) = Measure();
        var peak = PeakRss.Start();

        worker.Repo.Write("apps/bomb.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\n  namespace: apps\n  annotations:\n" + ManifestLimitsTests.BillionLaughs("    ") + "spec:\n  encryptedData: {}\n");
        worker.Repo.Write("apps/at-limit.yaml", AtSize(ManifestLimits.DefaultMaxFileBytes));
        worker.Repo.Write("apps/over-limit.yaml", AtSize(ManifestLimits.DefaultMaxFileBytes + 1));
        worker.Repo.Write("apps/api.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "api")));
        await SyncNewCommitAsync(worker);
        var (_, rssAfterFirst) = Measure();

        var status = await worker.Http.GetStringAsync("/status");
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("partial", $"the hostile files fail, the rest applies; status:\n{status}\nlog:\n{worker.Log}");
        status.ShouldContain("apps/bomb.yaml", customMessage: "the alias bomb is reported by file");
        status.ShouldContain("apps/over-limit.yaml", customMessage: "the file over the size limit is reported by file");
        status.ShouldNotContain("apps/at-limit.yaml", customMessage: "a file of exactly the limit is read (it holds no Secret)");
        worker.Target.Secrets.ShouldContainKey(new SecretId("apps", "api"), "the good change beside the hostile files is applied");
        worker.Target.StampOf(new SecretId("apps", "db")).ShouldBe(dbBefore, "the Secret the bomb names is left as it was");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The same hostile files read again and again: each sync a new commit, so every file is read afresh.
        for (var i = 0; i < RepeatedSyncs; i++)
        {
            await SyncNewCommitAsync(worker);
            worker.Status.Snapshot().LastSync!.Result.ShouldBe("partial", worker.Log.ToString());
        }

        var (heapAfter, rssAfter) = Measure();
        var peakBytes = peak.Peak();
        output.WriteLine(
            $"worker OOM-sized input: managed heap {Mib(heapBefore)} -> {Mib(heapAfter)} MiB, RSS {Mib(rssBefore)} before, {Mib(rssAfterFirst)} after the first hostile sync, {Mib(rssAfter)} after {RepeatedSyncs} more; "
            + $"peak RSS of the test process during them {(peakBytes is { } p ? Mib(p) + " MiB" : peak.Unavailable)}");
        (heapAfter - heapBefore).ShouldBeLessThan(HeapGrowthBound, $"the managed heap returns to its steady state: {Mib(heapBefore)} -> {Mib(heapAfter)} MiB");
        (rssAfter - rssAfterFirst).ShouldBeLessThan(RssGrowthBound, $"the resident set stays at its steady state over the repeated syncs: {Mib(rssAfterFirst)} -> {Mib(rssAfter)} MiB");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "still serving");
        worker.Log.ToString().ShouldNotContain(WorkerFixture.PlantedValue, customMessage: "no value in the log");
        status.ShouldNotContain(WorkerFixture.PlantedValue, customMessage: "no value in the status");
    }

    /// <summary>A YAML file of exactly <paramref name="bytes"/> bytes: a ConfigMap padded with comment lines.</summary>
    private static string AtSize(int bytes)
    {
        const string head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: padding\n";
        var text = new StringBuilder(bytes).Append(head);
        var line = "# " + new string('x', 1021) + "\n";
        while (text.Length + line.Length <= bytes)
        {
            text.Append(line);
        }

        var rest = bytes - text.Length;
        if (rest > 0)
        {
            text.Append('#').Append('x', rest - 1);
        }

        text.Length.ShouldBe(bytes);
        return text.ToString();
    }

    private static (long Heap, long Rss) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), PeakRss.Read("VmRSS:") ?? self.WorkingSet64);
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);

    /// <summary>A new commit name (the engine keeps its index per commit) and a hook-triggered sync, awaited by its record.</summary>
    private static async Task SyncNewCommitAsync(WorkerFixture worker)
    {
        worker.Source.Commit = $"c-{Guid.NewGuid():N}";
        var before = worker.Status.Syncs;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/sync");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HookToken);
        (await worker.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        try
        {
            await worker.WaitForSyncsAsync(before + 1);
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"the hook's sync was not recorded (syncs {worker.Status.Syncs}, last {worker.Status.Snapshot().LastSync}); worker log:\n{worker.Log}");
        }
    }
}
