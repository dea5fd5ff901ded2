using System.Net;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// A Kubernetes API server that accepts a target's requests and never answers (issue 17, point 6): the real
/// KubernetesClient against the loopback API server, whose fault injector holds every request for the target's
/// namespace. The sync is bounded by <c>worker.syncTimeout</c>, <c>/healthz</c> stays 200 throughout,
/// <c>/readyz</c> says 503 while the first sync is stuck and 200 once its failure is recorded (readiness is
/// "keys loaded and the first sync tried", docs/worker.md), <c>/status</c> names the timeout, and the next
/// interval runs on its own (no hook) and applies.
/// </summary>
public sealed class WorkerHungApiTests : LoopbackApiServer
{
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task ApiServerThatNeverAnswers_SyncTimesOut_ProbesStayTruthful_AndTheNextIntervalApplies()
    {
        using var scratch = new TempDirectory();
        Server.CreateNamespace("apps");
        var kubeconfig = Server.WriteKubeconfig(scratch.File("kubeconfig"));

        // Held: the first request for the target's namespace (the LIST of the managed Secrets); the client's
        // cancellation closes it, so it is held until the sync is abandoned. Later requests are served.
        var gate = Server.Faults.Block(r => r.Namespace == "apps", count: 1);
        await using var worker = await WorkerFixture.StartAsync(
            configure: c =>
            {
                c.Source.Interval = TimeSpan.FromSeconds(2);
                c.Worker.SyncTimeout = SyncTimeout;
                c.Targets = [new TargetConfiguration { Name = "cluster", Kind = "kubernetes", Kubeconfig = kubeconfig }];
            },
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))),
            realTargets: true);

        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK, "a hung API call does not make the process unhealthy");
        if (worker.Status.Syncs == 0)
        {
            // Read only while the first sync is still held: afterwards it is ready by definition.
            (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "not ready while the first sync has not ended");
        }

        await worker.WaitForSyncsAsync(1);
        var first = worker.Status.Snapshot().LastSync!;
        first.Result.ShouldBe("failed", $"worker log:\n{worker.Log}");
        first.Errors.ShouldContain(e => e.Contains("sync timed out after 4s (worker.syncTimeout)", StringComparison.Ordinal), $"the status names the timeout; worker log:\n{worker.Log}");
        (first.FinishedAt - first.StartedAt).ShouldBeLessThan(SyncTimeout + TimeSpan.FromSeconds(10), "the sync is bounded by worker.syncTimeout");
        (await worker.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK, "ready once the first sync was tried, whatever its outcome");
        (await worker.Http.GetStringAsync("/status")).ShouldContain("sync timed out after 4s", customMessage: "/status reports the hung sync");
        Server.SecretText("apps", "db").ShouldBeNull("nothing was applied by the hung sync");

        // No hook: the interval alone starts the next sync, which the server answers.
        await worker.WaitForSyncsAsync(2);
        worker.Status.Snapshot().LastSync!.Result.ShouldBe("success", $"the next interval's sync applies; worker log:\n{worker.Log}");
        Server.SecretText("apps", "db")!["password"].ShouldBe(WorkerFixture.PlantedValue);
        (await worker.Http.GetStringAsync("/status")).ShouldNotContain("timed out", customMessage: "the status moves on");
        worker.Log.ToString().ShouldNotContain(WorkerFixture.PlantedValue, customMessage: "no value in the log");
    }
}
