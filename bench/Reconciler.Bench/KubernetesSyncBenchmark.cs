using System.Diagnostics;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Tests.KubeApiServer;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Bench;

/// <summary>
/// The generated repository synced to a cluster: the loopback test API server (real HTTP, the real
/// KubernetesClient) in this process. Reports, per phase, the API calls by verb — the target is one LIST
/// per namespace and no write for a no-change sync — with wall time and RSA operations. "restart" is a
/// new engine and new clients in the same process, since the API server must outlive it.
/// </summary>
public static class KubernetesSyncBenchmark
{
    public static async Task<int> Run(string[] args)
    {
        var secrets = BenchOptions.Int(args, "--secrets", 10_000);
        var namespaces = BenchOptions.Int(args, "--namespaces", 100);
        var work = Path.Combine(Path.GetTempPath(), $"gitops-secrets-bench-kube-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        await using var server = await KubeApiServer.StartAsync();
        try
        {
            Console.WriteLine($"# sync to the loopback API server: {secrets} SealedSecrets x {BenchRepository.ValuesPerSecret} values over {namespaces} namespaces");
            BenchRepository.Generate(work, secrets, namespaces);
            for (var i = 0; i < namespaces; i++)
            {
                server.CreateNamespace(BenchRepository.NamespaceName(i));
            }

            var configuration = BenchRepository.Configuration(work);
            configuration.Targets = [new TargetConfiguration { Name = "loopback", Kind = "kubernetes", Kubeconfig = server.WriteKubeconfig(Path.Combine(work, "kubeconfig")) }];

            Console.WriteLine();
            Console.WriteLine("| phase | wall s | RSA private ops | LIST | GET | Secret writes | Event writes | created | updated | unchanged |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            var worker = Engine(configuration);
            foreach (var phase in new[] { "cold", "no-change", "one-change" })
            {
                if (phase == "one-change")
                {
                    BenchRepository.ChangeOneSecret(work);
                }

                await Phase(phase, worker, server);
            }

            worker.Services.Dispose();
            var restarted = Engine(configuration);
            await Phase("restart", restarted, server);
            restarted.Services.Dispose();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static (SyncEngine Engine, CryptoCounters Counters, ServiceProvider Services) Engine(WorkerConfiguration configuration)
    {
        var services = CliHost.FromProcess().CreateServices(CryptoEngine.OpenSsl);
        return (services.GetRequiredService<SyncEngineFactory>().Create(configuration), services.GetRequiredService<CryptoCounters>(), services);
    }

    private static async Task Phase(string name, (SyncEngine Engine, CryptoCounters Counters, ServiceProvider Services) worker, KubeApiServer server)
    {
        server.Requests.Clear();
        var before = worker.Counters.RsaPrivateOperations;
        var stopwatch = Stopwatch.StartNew();
        var report = await worker.Engine.SyncAsync(dryRun: false, progress: null, CancellationToken.None);
        stopwatch.Stop();
        if (report.HasFailures)
        {
            throw new InvalidOperationException(ReportPrinter.Text(report));
        }

        var requests = server.Requests;
        var secretWrites = requests.Writes.Count(r => r.ResourcePlural == "secrets");
        var otherWrites = requests.Writes.Count - secretWrites;
        var target = report.Targets.Single();
        Console.WriteLine($"| {name} | {stopwatch.Elapsed.TotalSeconds:F2} | {worker.Counters.RsaPrivateOperations - before} | {requests.Count("list")} | {requests.Count("get")} | {secretWrites} | {otherWrites} | {target.Count(ChangeKind.Create)} | {target.Count(ChangeKind.Update)} | {target.Count(ChangeKind.Unchanged)} |");
    }
}
