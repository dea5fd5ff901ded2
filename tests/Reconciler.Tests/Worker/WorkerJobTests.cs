using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>The jobs as Quartz runs them inside a started worker.</summary>
public sealed class WorkerJobTests
{
    [Fact]
    public async Task SyncJob_TriggeredWhileRunning_NeverRunsTwiceAtOnce()
    {
        using var token = new TempDirectory();
        token.Write("token", "t0ken");
        var runner = new GatedRunner();
        await using var worker = await WorkerFixture.StartAsync(
            configure: c => c.Worker.SyncHookTokenFile = token.File("token"),
            workerServices: services => services.AddSingleton<ISyncRunner>(runner));
        await runner.Entered.WaitAsync(TimeSpan.FromSeconds(30)); // the start-up run is now in progress
        (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "the leader is not ready before its first sync was tried");

        // Three webhooks while the first run is still going.
        for (var i = 0; i < 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/sync");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
            (await worker.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // Let every run finish as soon as it starts, and wait for the queued ones.
        runner.Open();
        await runner.WaitForRunsAsync(2);

        runner.MaxConcurrent.ShouldBe(1, "the sync job must never run concurrently with itself");
        runner.Runs.ShouldBeGreaterThanOrEqualTo(2, "the webhook's sync runs after the one in progress");
    }

    [Fact]
    public async Task TwoReplicasOneLease_OnlyTheLeaderApplies_TheOtherServesAndIsReady()
    {
        var lease = new InMemoryLeaseLockHolder();
        await using var first = await WorkerFixture.StartAsync(
            configure: c => c.Worker.LeaderElect = true,
            lease: lease,
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));
        await first.WaitForSyncsAsync(1);
        await using var second = await WorkerFixture.StartAsync(
            configure: c => c.Worker.LeaderElect = true,
            lease: lease,
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));

        var firstStatus = JsonNode.Parse(await first.Http.GetStringAsync("/status"))!;
        var secondStatus = JsonNode.Parse(await second.Http.GetStringAsync("/status"))!;

        firstStatus["leader"]!.GetValue<bool>().ShouldBeTrue();
        secondStatus["leader"]!.GetValue<bool>().ShouldBeFalse();
        first.Target.Writes.ShouldBe(1);
        second.Target.Writes.ShouldBe(0, "a replica that is not the leader applies nothing");
        (await second.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK, "a standby replica is ready: it serves the endpoints");
        (await second.Http.GetStringAsync("/v1/cert.pem")).ShouldContain("BEGIN CERTIFICATE");
        lease.Lock.Record!.HolderIdentity.ShouldBe(firstStatus["identity"]!.GetValue<string>());
    }

    [Fact]
    public async Task SyncHook_NoTokenFileConfigured_404()
    {
        await using var worker = await WorkerFixture.StartAsync();

        var response = await worker.Http.PostAsync("/hooks/sync", null);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>A sync runner that holds each run until opened, and counts how many run at once.</summary>
    private sealed class GatedRunner : ISyncRunner
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private int _running;

        public Task Entered => _entered.Task;

        public int MaxConcurrent { get; private set; }

        public int Runs { get; private set; }

        public void Open() => _open.TrySetResult();

        public Task WaitForRunsAsync(int count)
        {
            lock (_lock)
            {
                if (Runs >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _running++;
                MaxConcurrent = Math.Max(MaxConcurrent, _running);
            }

            _entered.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            lock (_lock)
            {
                _running--;
                Runs++;
                foreach (var waiter in _waiters.Where(w => Runs >= w.Count))
                {
                    waiter.Done.TrySetResult();
                }
            }
        }
    }
}
