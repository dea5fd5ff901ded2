using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Restarts;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Workload restarts and key retirement against the real API server and controller-manager. Each CLI
/// sync is a fresh process (a worker restart as far as rollouts go). No kubelet: Pods stay Pending, so
/// a rollout is seen as the Deployment's new ReplicaSet, made by the real deployment controller.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class WorkloadRestartsAndKeyRetirementOnRealClusterTests(ITestOutputHelper output)
{
    private const string Planted = "planted-e2e-restart-value-2d7f";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [RealClusterFact]
    public async Task Sync_UsedKeyChanged_OneNewReplicaSet_NoneAfterRestartOrUnusedKeyChange()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "v1", ["user"] = "app" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        await CreateDeploymentAsync(scenario, "web");
        await ReplicaSetsAsync(scenario, "web", expected: 1);

        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" });
        var changed = await scenario.SyncAsync();
        var hash = TemplateHash(await ReadDeploymentAsync(scenario, "web"));
        await ReplicaSetsAsync(scenario, "web", expected: 2);
        var generation = (await ReadDeploymentAsync(scenario, "web")).Metadata.Generation;

        var restarted = await scenario.SyncAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted, ["user"] = "admin" });
        var unusedKey = await scenario.SyncAsync();
        var afterUnused = await ReadDeploymentAsync(scenario, "web");
        await ReplicaSetsAsync(scenario, "web", expected: 2);

        changed.ExitCode.ShouldBe(ExitCodes.Success, changed.ToString());
        changed.Stdout.ShouldContain($"rolled    Deployment {scenario.Namespace}/web  Secret(s) db changed");
        hash.ShouldNotBeNull().ShouldStartWith(UsedDataHash.Prefix);
        restarted.ExitCode.ShouldBe(ExitCodes.Success, restarted.ToString());
        restarted.Stdout.ShouldNotContain("rolled", customMessage: "a new process finds the hash already on the pod template");
        unusedKey.ExitCode.ShouldBe(ExitCodes.Success, unusedKey.ToString());
        unusedKey.Stdout.ShouldContain("updated");
        unusedKey.Stdout.ShouldNotContain("rolled", customMessage: "user changed; the Deployment reads only password");
        afterUnused.Metadata.Generation.ShouldBe(generation, "no spec change after the restart or the unused-key change");
        TemplateHash(afterUnused).ShouldBe(hash);
        var events = await scenario.Client.CoreV1.ListNamespacedEventAsync(scenario.Namespace, fieldSelector: "involvedObject.kind=Deployment,involvedObject.name=web");
        events.Items.Count(e => e.Reason == "Reloaded").ShouldBe(1, "one Event on the Deployment for the one rollout");
        (changed.All + restarted.All + unusedKey.All).ShouldNotContain(Planted, Case.Sensitive);
    }

    [RealClusterFact]
    public async Task Run_WorkerKilledAfterARolloutAndStartedAgain_TheRolloutHappensOnce()
    {
        await using var world = RealClusterWorker.Start();
        var system = await world.NamespaceAsync("system");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(system);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-1", ["user"] = "app" });
        var first = Worker(world, "first", system);
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-1", RealClusterWorker.Patience, () => $"the first commit applied\n{first}");
        await world.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), apps);
        await ReplicaSetsAsync(world.Client, apps, "web", expected: 1);

        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-2", ["user"] = "app" });
        string? hash = null;
        await Poll.UntilAsync(async () => (hash = TemplateHash(await world.Client.AppsV1.ReadNamespacedDeploymentAsync("web", apps))) is not null, RealClusterWorker.Patience, () => $"the worker rolls the Deployment\n{first}");
        await ReplicaSetsAsync(world.Client, apps, "web", expected: 2);
        var generation = (await world.Client.AppsV1.ReadNamespacedDeploymentAsync("web", apps)).Metadata.Generation;
        first.Kill();
        var head = world.Commit("apps/other.yaml", apps, "other", new Dictionary<string, string> { ["token"] = "t" });
        var second = Worker(world, "second", system);
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "other", "token") == "t", RealClusterWorker.Patience, () => $"the restarted worker syncs\n{second}");
        var status = await StatusAsync(second);
        await Poll.UntilAsync(async () => ((status = await StatusAsync(second))["keyLifecycle"]?["drill"]?["opens"]?.GetValue<int>() ?? 0) >= 2, RealClusterWorker.Patience, () => $"the restarted worker drills its keys: {status.ToJsonString()}");
        var metrics = await MetricsAsync(second);

        var after = await world.Client.AppsV1.ReadNamespacedDeploymentAsync("web", apps);
        await ReplicaSetsAsync(world.Client, apps, "web", expected: 2);
        after.Metadata.Generation.ShouldBe(generation, "the restarted worker finds the hash on the pod template and applies nothing to the Deployment");
        TemplateHash(after).ShouldBe(hash);
        var events = await world.Client.CoreV1.ListNamespacedEventAsync(apps, fieldSelector: "involvedObject.kind=Deployment,involvedObject.name=web");
        events.Items.Count(e => e.Reason == "Reloaded").ShouldBe(1, "one rollout, across the kill and the restart");
        output.WriteLine(first.Output);
        first.Output.ShouldContain($"Rolled Deployment {apps}/web", Case.Sensitive, first.Output);
        second.Output.ShouldNotContain("Rolled Deployment", customMessage: "the second worker rolls nothing");
        metrics.ShouldContain("gitops_secrets_drill_documents{result=\"fails\"} 0");
        (first.Output + second.Output + metrics + status.ToJsonString()).ShouldNotContain(Planted, Case.Sensitive);
        output.WriteLine($"first worker: rolled Deployment {apps}/web to {hash} (generation {generation}), then SIGKILL; second worker synced {head[..12]}: generation {after.Metadata.Generation}, ReplicaSets 2, Reloaded events 1");
        output.WriteLine($"second worker /status keyLifecycle: {status["keyLifecycle"]?.ToJsonString()}");
    }

    [RealClusterFact]
    public async Task KeysRetire_LastUserResealed_KeyMarkedCompromisedThenDeleted()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        using var temp = new TempDirectory();
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        var keyFiles = Path.Combine(temp.Path, "keys");
        SealedFiles.WriteKeyPair(keyFiles, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(keyFiles, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var store = $"cluster:{scenario.Namespace}";
        var cli = new CliRunner();
        foreach (var (name, pem) in new[] { ("old", TestKeys.OldCertificatePem + TestKeys.OldPrivateKeyPem), ("new", TestKeys.NewCertificatePem + TestKeys.NewPrivateKeyPem) })
        {
            var import = await cli.RunAsync("keys", "import", temp.Write($"import/{name}.pem", pem), "--keys", store, "--kubeconfig", scenario.Kubeconfig);
            import.ExitCode.ShouldBe(ExitCodes.Success, import.ToString());
        }

        var repo = Path.Combine(temp.Path, "repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "db.yaml"), SealedFiles.Yaml(SealedFiles.Seal(oldKey, scenario.Namespace, "db", new Dictionary<string, string> { ["password"] = Planted })));
        string[] Retire() => ["keys", "retire", oldKey.Fingerprint[..16], repo, "--keys", store, "--kubeconfig", scenario.Kubeconfig];

        var refused = await cli.RunAsync(Retire());
        var reseal = await cli.RunAsync("reseal", repo, "--keys", keyFiles);
        var retired = await cli.RunAsync(Retire());
        var labelAfterRetire = await KeyLabelsAsync(scenario);
        var drill = await cli.RunAsync("keys", "drill", repo, "--keys", store, "--kubeconfig", scenario.Kubeconfig);
        var deleted = await new CliRunner { Time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8)) }.RunAsync(Retire());
        var labelsAfterDelete = await KeyLabelsAsync(scenario);

        refused.ExitCode.ShouldBe(ExitCodes.ChangesPending, refused.ToString());
        refused.Stderr.ShouldContain($"SealedSecret {scenario.Namespace}/db");
        reseal.ExitCode.ShouldBe(ExitCodes.Success, reseal.ToString());
        retired.ExitCode.ShouldBe(ExitCodes.Success, retired.ToString());
        labelAfterRetire.Values.Order(StringComparer.Ordinal).ToList().ShouldBe(new List<string> { KeySecrets.ActiveValue, KeySecrets.CompromisedValue }, "the retired key carries Bitnami's compromised label; the newest stays active");
        drill.ExitCode.ShouldBe(ExitCodes.Success, "the resealed file opens without the retired key: " + drill);
        deleted.ExitCode.ShouldBe(ExitCodes.Success, deleted.ToString());
        labelsAfterDelete.Values.ToList().ShouldBe(new List<string> { KeySecrets.ActiveValue }, "the retired key Secret is deleted from the real cluster");
        (refused.All + retired.All + drill.All + deleted.All).ShouldNotContain(Planted, Case.Sensitive);
    }

    private static async Task<Dictionary<string, string>> KeyLabelsAsync(RealClusterScenario scenario)
    {
        var list = await scenario.Client.CoreV1.ListNamespacedSecretAsync(scenario.Namespace, labelSelector: KeySecrets.KeyLabel);
        return list.Items.ToDictionary(s => s.Metadata.Name, s => s.Metadata.Labels[KeySecrets.KeyLabel], StringComparer.Ordinal);
    }

    private static Task CreateDeploymentAsync(RealClusterScenario scenario, string name) =>
        scenario.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(name), scenario.Namespace);

    private static V1Deployment Deployment(string name)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { [RestartAnnotations.OptIn] = "true" } },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "app",
                                Image = "registry.invalid/app:1",
                                Env = [new V1EnvVar { Name = "DB_PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "db", Key = "password" } } }],
                            },
                        ],
                    },
                },
            },
        };
    }

    private static Task<V1Deployment> ReadDeploymentAsync(RealClusterScenario scenario, string name) =>
        scenario.Client.AppsV1.ReadNamespacedDeploymentAsync(name, scenario.Namespace);

    private static string? TemplateHash(V1Deployment deployment) =>
        deployment.Spec.Template.Metadata.Annotations is { } annotations && annotations.TryGetValue(RestartAnnotations.SecretsHash, out var hash) ? hash : null;

    /// <summary>
    /// Waits until the deployment controller has seen the Deployment's current generation, then checks the
    /// number of its ReplicaSets: each rollout makes exactly one.
    /// </summary>
    private static Task ReplicaSetsAsync(RealClusterScenario scenario, string name, int expected) => ReplicaSetsAsync(scenario.Client, scenario.Namespace, name, expected);

    private static async Task ReplicaSetsAsync(k8s.Kubernetes client, string @namespace, string name, int expected)
    {
        var count = -1;
        await Poll.UntilAsync(
            async () =>
            {
                var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(name, @namespace);
                if (deployment.Status?.ObservedGeneration != deployment.Metadata.Generation)
                {
                    return false;
                }

                var sets = await client.AppsV1.ListNamespacedReplicaSetAsync(@namespace, labelSelector: $"app={name}");
                count = sets.Items.Count;
                return count >= expected;
            },
            Timeout,
            () => $"Deployment {name}: {count} ReplicaSet(s), expected {expected}");
        count.ShouldBe(expected, $"Deployment {name} should have exactly {expected} ReplicaSet(s)");
    }

    private static WorkerProcess Worker(RealClusterWorker world, string identity, string system)
    {
        var config = world.WriteConfig(identity, $"""
            source:
              url: {world.Remote.BarePath}
              paths: [apps]
              interval: 1s
              cacheDir: {world.Scratch(identity + "-cache")}
            keys:
              clusterNamespace: {system}
              kubeconfig: {world.Kubeconfig}
              renewPeriod: 0s
            targets:
              - name: cluster
                kind: kubernetes
                kubeconfig: {world.Kubeconfig}
            worker:
              listen: http://127.0.0.1:0
              jitter: 0
            """);
        return world.StartProcess(identity, "run", "--config", config);
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> StatusAsync(WorkerProcess worker)
    {
        using var http = new HttpClient();
        return System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(await worker.UrlAsync(RealClusterWorker.Patience), "/status")))!.AsObject();
    }

    private static async Task<string> MetricsAsync(WorkerProcess worker)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(await worker.UrlAsync(RealClusterWorker.Patience), "/metrics"));
    }
}
