using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// The worker outlives a sync that throws or hangs (issue 17, point 6): it keeps serving /healthz, /status
/// says what failed, the job is not wedged, and the next sync applies.
/// </summary>
public sealed class WorkerResilienceTests : IAsyncLifetime
{
    private const string HookToken = "hook-token-5678";

    /// <summary>Long enough for a good sync on a loaded machine, short enough to wait for in a test.</summary>
    private static readonly TimeSpan ShortSyncTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _token = new();

    public Task InitializeAsync()
    {
        _token.Write("token", HookToken + "\n");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _token.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SyncThatThrows_WorkerKeepsServingAndReportsIt_AndTheNextSyncApplies()
    {
        await using var worker = await StartAsync();
        worker.Target.Secrets.ShouldContainKey(new SecretId("apps", "db"));
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("success", $"syncs {worker.Status.Syncs}; log:\n{worker.Log}");
        worker.Target.ThrowOnObserve = new InvalidOperationException("boom: a bug in a target");

        await SyncOnceAsync(worker);

        worker.Log.ToString().ShouldContain("Sync failed: boom: a bug in a target", customMessage: "the log says what failed");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "a failed sync does not make the process unhealthy");
        (await worker.Http.GetStringAsync("/status")).ShouldContain("sync failed: boom: a bug in a target", customMessage: "the status says what failed");
        worker.Status.Snapshot().NextSyncAt.ShouldNotBeNull("the next interval is scheduled after a failed sync");

        worker.Target.ThrowOnObserve = null;
        AddCommit(worker, "apps/api.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "api")));
        await SyncOnceAsync(worker);

        worker.Target.Secrets.ShouldContainKey(new SecretId("apps", "api"), $"the sync after the failure runs and applies; worker log:\n{worker.Log}");
        var status = await worker.Http.GetStringAsync("/status");
        status.ShouldNotContain("sync failed: boom", customMessage: "the status moves on");
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("success", status);
        (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SyncWhoseFetchIgnoresCancellation_TimesOutAndIsAbandoned_AndTheNextSyncApplies()
    {
        HangingSource? hanging = null;
        await using var worker = await StartAsync(
            c => c.Worker.SyncTimeout = ShortSyncTimeout,
            wrapSource: inner => hanging = new HangingSource(inner));
        hanging!.HangNextFetch();

        await SyncOnceAsync(worker);

        hanging.Entered.IsCompleted.ShouldBeTrue("the sync reached the fetch that hangs");
        hanging.StillBlocked.ShouldBeTrue("the fetch ignored cancellation, so only abandoning it freed the job");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "a hung sync does not make the process unhealthy");
        (await worker.Http.GetStringAsync("/status")).ShouldContain("sync timed out after 5s (worker.syncTimeout)", customMessage: "the status says the sync timed out");
        worker.Log.ToString().ShouldContain("Sync failed: sync timed out after 5s", customMessage: "the log says the sync timed out");
        worker.Status.Snapshot().NextSyncAt.ShouldNotBeNull("the next interval is scheduled after a timed-out sync");

        // The server finally answers (or libgit2 gives up): the abandoned sync ends, and the next one applies.
        hanging.Release();
        AddCommit(worker, "apps/api.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "api")));
        await SyncOnceAsync(worker);

        worker.Target.Secrets.ShouldContainKey(new SecretId("apps", "api"), $"the sync after the timeout runs and applies; worker log:\n{worker.Log}");
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("success", "the status moves on");
    }

    [Fact]
    public async Task GitServerThatAcceptsAndNeverAnswers_SyncTimesOut_AndTheNextIntervalRuns()
    {
        // Disposed in reverse: the worker, then the server (its close ends the abandoned fetch), then the cache.
        using var cache = new TempDirectory();
        using var silent = new SilentServer();
        await using var worker = await WorkerFixture.StartAsync(
            configure: c =>
            {
                c.Source.Url = $"http://127.0.0.1:{silent.Port}/secrets.git";
                c.Source.CacheDir = cache.Path;
                c.Source.Interval = TimeSpan.FromSeconds(1);
                c.Worker.SyncTimeout = ShortSyncTimeout;
                c.Worker.SyncHookTokenFile = _token.File("token");
            },
            realSource: true);

        await worker.WaitForSyncsAsync(1);
        silent.Connections.ShouldBe(1, "the first sync connected to the silent server");
        (await worker.Http.GetStringAsync("/status")).ShouldContain("sync timed out after 5s", customMessage: "the first sync, stuck on a silent server, is reported as timed out");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "the worker keeps serving while a fetch hangs");
        (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK, "ready: keys loaded and the first sync tried (its failure is in /status)");

        // No hook: the interval alone starts the next sync. It waits for the abandoned fetch (which holds the
        // engine's lock while libgit2 reads the silent socket) and times out in turn, reported, not wedged.
        await worker.WaitForSyncsAsync(2);

        worker.Status.Snapshot().LastSync!.Result.ShouldBe("failed", $"the server still does not answer; worker log:\n{worker.Log}");
        worker.Status.Snapshot().LastSync!.Errors.ShouldContain(e => e.Contains("timed out", StringComparison.Ordinal), "the next interval's sync is bounded too");
        worker.Status.Snapshot().NextSyncAt.ShouldNotBeNull("the next interval is scheduled");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "still serving after two stuck syncs");
    }

    private Task<WorkerFixture> StartAsync(Action<GitOpsSecrets.Configuration.WorkerConfiguration>? configure = null, Func<ISecretSource, ISecretSource>? wrapSource = null) =>
        StartAndWaitAsync(WorkerFixture.StartAsync(
            configure: c =>
            {
                c.Worker.SyncHookTokenFile = _token.File("token");
                configure?.Invoke(c);
            },
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))),
            wrapSource: wrapSource));

    private static async Task<WorkerFixture> StartAndWaitAsync(Task<WorkerFixture> starting)
    {
        var worker = await starting;
        await worker.WaitForSyncsAsync(1);
        return worker;
    }

    /// <summary>A new file and a new commit: the engine keeps its index per commit, so an edit without one reads nothing.</summary>
    private static void AddCommit(WorkerFixture worker, string path, string content)
    {
        worker.Repo.Write(path, content);
        worker.Source.Commit = $"c-{Guid.NewGuid():N}";
    }

    /// <summary>
    /// Fires the hook and waits (for the status's signal, with a deadline) until a sync newer than the last
    /// recorded one is in the status. Waits on the last sync's record rather than on the count of syncs:
    /// the count alone was seen one short after a failed sync (see the report), and the record is what the
    /// assertions read.
    /// </summary>
    private static async Task SyncOnceAsync(WorkerFixture worker)
    {
        var previous = worker.Status.Snapshot().LastSync;
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRecorded(long count)
        {
            if (!ReferenceEquals(worker.Status.Snapshot().LastSync, previous))
            {
                recorded.TrySetResult();
            }
        }

        worker.Status.SyncRecorded += OnRecorded;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/sync");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HookToken);
            (await worker.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
            OnRecorded(0);
            await recorded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new ShouldAssertException($"the hook's sync was not recorded (syncs {worker.Status.Syncs}, last {worker.Status.Snapshot().LastSync}); worker log:\n{worker.Log}");
        }
        finally
        {
            worker.Status.SyncRecorded -= OnRecorded;
        }
    }

    /// <summary>A source whose next fetch blocks until released and ignores cancellation, as libgit2 does while it reads a socket.</summary>
    private sealed class HangingSource(ISecretSource inner) : ISecretSource
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _hangNext;

        public TaskCompletionSource EnteredSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => EnteredSignal.Task;

        public bool StillBlocked => !_released.Task.IsCompleted;

        public string Description => inner.Description;

        public void HangNextFetch() => _hangNext = true;

        public void Release() => _released.TrySetResult();

        public async Task<SourceSnapshot> FetchAsync(CancellationToken cancellationToken)
        {
            if (_hangNext)
            {
                _hangNext = false;
                EnteredSignal.TrySetResult();
                await _released.Task;
            }

            return await inner.FetchAsync(cancellationToken);
        }

        public IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit) => inner.ChangedPaths(fromCommit, toCommit);
    }

    /// <summary>A server that accepts every connection and never sends a byte, holding the sockets open until disposed.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = [];

        public SilentServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Connections accepted so far.</summary>
        public int Connections
        {
            get
            {
                lock (_held)
                {
                    return _held.Count;
                }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
