using System.Net;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// What deploy/ runs, end to end: two <c>run</c> replicas with leader election, the key in the cluster
/// (Bitnami's key Secret), a real git remote, and the loopback API server as the cluster. Only the leader
/// applies; when it stops, the other takes the Lease and keeps the cluster converged.
/// </summary>
public sealed class WorkerInClusterTests : LoopbackApiServer
{
    private const string Planted = "planted-in-cluster-value-5b7e";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_replicas_one_lease_only_the_leader_applies_and_the_other_takes_over()
    {
        using var remote = new RemoteRepository();
        using var sealer = new TestSealer();
        Server.CreateNamespace("payments");
        Server.Store.Create(ResourceTypes.Secrets, "kube-system", JsonNode.Parse(Vectors.Text("sealing-key.secret.json"))!.AsObject(), "controller");
        remote.Commit("db credentials", "apps/db.yaml", sealer.Yaml("payments", "db", new Dictionary<string, string> { ["password"] = Planted + "-1" }));
        var kubeconfig = Server.WriteKubeconfig(remote.Scratch("kube") + "/config");

        var a = Start("replica-a", remote, kubeconfig);
        var b = Start("replica-b", remote, kubeconfig);
        try
        {
            await Eventually(() => Server.SecretText("payments", "db")?["password"] == Planted + "-1");
            var leader = LeaseHolder()!;
            var (first, second) = leader.StartsWith("replica-a", StringComparison.Ordinal) ? (a, b) : (b, a);

            // Every replica serves the endpoints; only the holder of the Lease syncs.
            foreach (var replica in new[] { a, b })
            {
                var url = await replica.UrlAsync();
                (await replica.Http.GetAsync(new Uri(url, "/healthz"))).StatusCode.ShouldBe(HttpStatusCode.OK);
                (await replica.Http.GetStringAsync(new Uri(url, "/v1/cert.pem"))).ShouldContain("BEGIN CERTIFICATE");
            }

            Server.Requests.All.Where(r => r.Verb == "apply").ShouldNotBeEmpty();
            second.Log.ToString().ShouldNotContain("applied");

            // The leader stops; within the lease duration the other replica leads and applies the next commit.
            await first.StopAsync();
            remote.Commit("rotate the password", "apps/db.yaml", sealer.Yaml("payments", "db", new Dictionary<string, string> { ["password"] = Planted + "-2" }));
            await Eventually(() => LeaseHolder()?.StartsWith(second.Identity, StringComparison.Ordinal) == true);
            await Eventually(() => Server.SecretText("payments", "db")?["password"] == Planted + "-2");

            (await second.StopAsync()).ShouldBe(ExitCodes.Success, second.Log.ToString());
            (a.Log.ToString() + b.Log.ToString()).ShouldNotContain(Planted);
        }
        finally
        {
            await a.StopAsync();
            await b.StopAsync();
        }
    }

    private string? LeaseHolder() =>
        Server.Store.Get(ResourceTypes.Leases, "kube-system", "gitops-secrets-leader")?["spec"]?["holderIdentity"]?.GetValue<string>();

    private static Replica Start(string identity, RemoteRepository remote, string kubeconfig)
    {
        var config = Path.Combine(remote.Scratch(identity), "config.yaml");
        File.WriteAllText(config, $"""
            source:
              url: {remote.BarePath}
              paths: [apps]
              interval: 1s
              cacheDir: {remote.Scratch(identity)}/cache
            keys:
              clusterNamespace: kube-system
              kubeconfig: {kubeconfig}
              renewPeriod: 0s
            targets:
              - name: loopback
                kind: kubernetes
                kubeconfig: {kubeconfig}
            worker:
              listen: http://127.0.0.1:0
              leaderElect: true
              leaseNamespace: kube-system
              leaseDuration: 3s
              jitter: 0
            """);
        var log = new WatchedLog();
        var host = new CliHost
        {
            OpenStandardInput = () => new MemoryStream(),
            Out = TextWriter.Synchronized(new StringWriter()),
            Error = log,
            Environment = new Dictionary<string, string> { ["POD_NAME"] = identity },
        };
        var stop = new CancellationTokenSource();
        var running = Task.Run(() => CliApp.RunAsync(["run", "--config", config], host, stop.Token));
        return new Replica(identity, log, stop, running);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the worker did not get there in time");
            await Task.Delay(100);
        }
    }

    private sealed record Replica(string Identity, WatchedLog Log, CancellationTokenSource Stop, Task<int> Running)
    {
        public HttpClient Http { get; } = new();

        /// <summary>Where the replica listens: it binds port 0 and logs the port the kernel picked.</summary>
        public Task<Uri> UrlAsync() => Log.WorkerUrlAsync(Patience);

        public async Task<int> StopAsync()
        {
            if (!Stop.IsCancellationRequested)
            {
                await Stop.CancelAsync();
            }

            return await Running.WaitAsync(Patience);
        }
    }
}
