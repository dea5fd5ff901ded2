using GitOpsSecrets.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>Key renewal and shutdown inside a started worker.</summary>
public sealed class WorkerLifecycleTests
{
    [Fact]
    public async Task NewestKeyOlderThanCutoff_WorkerAddsAKeyAtStart_AndServesItsCertificate()
    {
        var cutoff = DateTimeOffset.UtcNow - TimeSpan.FromHours(1); // after the vector key (2026-11-23)
        var renewed = new TaskCompletionSource<GitOpsSecrets.Keys.KeyRing>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await WorkerFixture.StartAsync(
            configure: c =>
            {
                c.Keys.RenewPeriod = TimeSpan.FromHours(720);
                c.Keys.CutoffTime = cutoff;
            },
            workerServices: services =>
            {
                // RSA-2048 keeps the test fast; the schedule is what is under test.
                services.AddSingleton(new GitOpsSecrets.Worker.Scheduling.RenewalSettings(TimeSpan.FromHours(720), cutoff, KeySize: 2048));
                services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => new KeyWatcher(sp.GetRequiredService<GitOpsSecrets.Keys.CurrentKeys>(), renewed));
            });

        var ring = await renewed.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Directory.GetFiles(worker.Keys.Path).Length.ShouldBe(3, "the vector key and the old key stay; one key is added");
        var pem = await worker.Http.GetStringAsync("/v1/cert.pem");
        pem.Trim().ShouldBe(GitOpsSecrets.Keys.KeySecrets.CertificatePem(ring.Newest!).Trim());
        ring.Newest!.NotBefore.ShouldBeGreaterThan(cutoff);
        var next = System.Text.Json.Nodes.JsonNode.Parse(await worker.Http.GetStringAsync("/status"))!["nextKeyRenewalAt"]!.GetValue<string>();
        DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(ring.Newest.NotBefore + TimeSpan.FromHours(720), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Stop_WhileASyncRuns_WaitsForItToFinish()
    {
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var runner = new OrderedRunner(events);
        var worker = await WorkerFixture.StartAsync(workerServices: services => services.AddSingleton<ISyncRunner>(runner));
        await runner.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = worker.App.StopAsync();
        runner.Release.TrySetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
        events.Enqueue("stopped");
        await worker.DisposeAsync();

        events.ToArray().ShouldBe(new[] { "run finished", "stopped" }, customMessage: "shutdown waits for the running job, which is not cancelled");
    }

    private sealed class KeyWatcher(GitOpsSecrets.Keys.CurrentKeys keys, TaskCompletionSource<GitOpsSecrets.Keys.KeyRing> renewed) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            keys.Changed += ring =>
            {
                if (ring.Count == 3)
                {
                    renewed.TrySetResult(ring);
                }
            };
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class OrderedRunner(System.Collections.Concurrent.ConcurrentQueue<string> events) : ISyncRunner
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            events.Enqueue(cancellationToken.IsCancellationRequested ? "run cancelled" : "run finished");
        }
    }
}
