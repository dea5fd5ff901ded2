using System.Diagnostics;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Tests.KubeApiServer;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Bench;

/// <summary>
/// Controller mode: SealedSecret resources created in the loopback API server (real HTTP, the real
/// KubernetesClient, watch) while the cluster source runs in this process. "cold": time from the first
/// create until every Secret exists, against the RSA-bound limit (one private operation per value at
/// <c>openssl speed -multi CORES rsa4096</c>, measured in the same run). "restart": a new controller
/// over the same cluster, time until it has reconciled everything, and its RSA operations.
/// </summary>
public static class ControllerBenchmark
{
    public static async Task<int> Run(string[] args)
    {
        var secrets = BenchOptions.Int(args, "--secrets", 10_000);
        var namespaces = BenchOptions.Int(args, "--namespaces", 100);
        var parallelism = BenchOptions.Int(args, "--parallelism", Math.Max(2, Environment.ProcessorCount * 2));
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"# controller mode: {secrets} SealedSecrets x 1 value over {namespaces} namespaces, parallelism {parallelism}, {cores} cores");
        var reference = OpenSslSpeed.PrivateOpsPerSecond(cores, 5);
        Console.WriteLine($"openssl speed -multi {cores} -seconds 5 rsa4096: {reference:F1} private ops/s → RSA-bound limit {secrets / reference:F1} s");

        await using var server = await KubeApiServer.StartAsync();
        using var key = KeyMaterialReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "sealing-key.secret.json")).Keys.Single();
        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.OpenSsl), new CryptoCounters()));
        var manifests = new List<(string Namespace, System.Text.Json.Nodes.JsonObject Node)>();
        for (var i = 0; i < namespaces; i++)
        {
            server.CreateNamespace($"ns{i:D3}");
        }

        for (var i = 0; i < secrets; i++)
        {
            var secret = new Secret { Metadata = new ObjectMetadata { Name = $"secret-{i:D5}", Namespace = $"ns{i % namespaces:D3}" } };
            secret.Data["password"] = Encoding.UTF8.GetBytes($"bench-value-{i}");
            manifests.Add((secret.Metadata.Namespace!, SealedSecretManifest.ToNode(sealer.Seal(secret, key, SealingScope.Strict))));
        }

        var counters = new CryptoCounters();
        using var client = server.CreateClient();
        Console.WriteLine();
        Console.WriteLine("| phase | wall s | RSA private ops | RSA-bound limit s | ratio | Secrets |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");

        var (controller, stop, run) = Start(client, key, counters, parallelism);

        // Failed reconciles are retried with backoff; count them and keep the first messages, since a wait
        // on a backoff, not the RSA work, is what a slow cold phase then measures.
        var failures = 0;
        var failureMessages = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        controller.Reconciled += result =>
        {
            if (result.Kind == ChangeKind.Failed)
            {
                Interlocked.Increment(ref failures);
                failureMessages.AddOrUpdate(FailureShape(result.Message), 1, (_, n) => n + 1);
            }
        };
        await controller.WhenSettledAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        foreach (var (@namespace, node) in manifests)
        {
            server.Store.Create(ResourceTypes.SealedSecrets, @namespace, node, "bench");
        }

        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200)))
        {
            while (server.Store.Count(ResourceTypes.Secrets) < secrets)
            {
                await timer.WaitForNextTickAsync();
            }
        }

        var cold = clock.Elapsed;
        Report("cold", cold, counters.RsaPrivateOperations, secrets / reference, server.Store.Count(ResourceTypes.Secrets));
        Console.WriteLine($"cold: {Volatile.Read(ref failures)} failed reconciles (retried with backoff){string.Concat(failureMessages.OrderByDescending(p => p.Value).Take(5).Select(p => $"\n  {p.Value} x {p.Key}"))}");
        await controller.WhenSettledAsync(CancellationToken.None);
        await stop.CancelAsync();
        await run;

        var before = counters.RsaPrivateOperations;
        clock.Restart();
        var (restarted, stopRestarted, runRestarted) = Start(client, key, counters, parallelism);
        await restarted.WhenSettledAsync(CancellationToken.None);
        Report("restart", clock.Elapsed, counters.RsaPrivateOperations - before, 0, server.Store.Count(ResourceTypes.Secrets));
        Console.WriteLine();
        Console.WriteLine($"restart: {restarted.Snapshot().Reconciles} reconciles, results {string.Join(", ", restarted.Snapshot().LastResults.Select(p => $"{p.Key} {p.Value}"))}");
        await stopRestarted.CancelAsync();
        await runRestarted;
        return 0;
    }

    private static (ClusterController Controller, CancellationTokenSource Stop, Task Run) Start(k8s.IKubernetes client, SealingKey key, CryptoCounters counters, int parallelism)
    {
        var time = TimeProvider.System;
        var target = new KubernetesTarget("cluster", client, new KubernetesTargetOptions { RecordEvents = false }, time, NullLogger<KubernetesTarget>.Instance);
        var api = new KubernetesSealedSecretApi(client, time, NullLogger<KubernetesSealedSecretApi>.Instance);
        var ring = new KeyRing([key]);
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.OpenSsl), counters));
        var reconciler = new SealedSecretReconciler(target, api, unsealer, () => ring, new ClusterReconcilerOptions(), time, NullLogger<SealedSecretReconciler>.Instance);
        var controller = new ClusterController(api, reconciler, new ClusterControllerOptions { Parallelism = parallelism }, time, NullLogger<ClusterController>.Instance);
        var stop = new CancellationTokenSource();
        return (controller, stop, controller.RunAsync(stop.Token));
    }

    /// <summary>A failure message with the object's name and numbers taken out, so that alike failures group.</summary>
    private static string FailureShape(string? message) =>
        System.Text.RegularExpressions.Regex.Replace(message ?? string.Empty, @"(secret|ns)-?\d+|\d+", "#");

    private static void Report(string phase, TimeSpan wall, long rsa, double limit, int secrets) =>
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"| {phase} | {wall.TotalSeconds:F2} | {rsa} | {(limit > 0 ? limit.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "—")} | {(limit > 0 ? (wall.TotalSeconds / limit).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "—")} | {secrets} |"));
}
