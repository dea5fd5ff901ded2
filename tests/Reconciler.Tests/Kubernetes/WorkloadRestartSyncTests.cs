using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Restarts;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Tests.KubeApiServer;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>Workload restarts through the sync engine, the real KubernetesTarget and client, against the loopback API server.</summary>
public sealed class WorkloadRestartSyncTests : IAsyncLifetime
{
    private const string Planted = "planted-restart-value-5c1e";
    private KubeSyncFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _fixture = await KubeSyncFixture.StartAsync(paths: ["apps"]);
        _fixture.Server.CreateNamespace("shop");
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Sync_UsedKeyChanges_RollsDeploymentOnceWithHashAnnotationEventAndReport()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one"), ("user", "app")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.Deployments, "web", "true", Env("db", "password"));
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", Planted), ("user", "app")));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        var rollout = report.Targets.Single().Rollouts.ShouldHaveSingleItem("the Deployment reads db.password, which changed");
        rollout.Workload.ShouldBe(new WorkloadId(WorkloadKind.Deployment, "shop", "web"));
        rollout.Secrets.ShouldBe(["db"]);
        rollout.Succeeded.ShouldBeTrue(rollout.Error);
        TemplateHash(ResourceTypes.Deployments, "web").ShouldBe(rollout.Hash, "the hash is the pod template annotation");
        _fixture.Server.Requests.Count("apply", "deployments").ShouldBe(1);
        var events = _fixture.Server.Store.List(ResourceTypes.CoreEvents, "shop").Where(e => e["involvedObject"]?["kind"]?.GetValue<string>() == "Deployment").ToList();
        events.ShouldHaveSingleItem("one Event on the rolled Deployment")["reason"]!.GetValue<string>().ShouldBe(RestartEventReasons.Reloaded);
        ReportPrinter().ShouldContain("rolled    Deployment shop/web");
        _fixture.EverythingSaidOutsideSecrets().ShouldNotContain(Planted, customMessage: "no value in workload writes, events or logs");

        string ReportPrinter() => GitOpsSecrets.Cli.ReportPrinter.Text(report);
    }

    [Fact]
    public async Task Sync_ReplayAndNewEngineAfterRestart_RollNothingTwice()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.StatefulSets, "queue", "db", EnvFrom("db"));
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "two")));
        _fixture.Source.Commit = "c2";
        (await _fixture.SyncAsync()).Targets.Single().Rollouts.ShouldHaveSingleItem();

        var replay = await _fixture.SyncAsync();
        var restarted = await NewEngine().SyncAsync(false, null, CancellationToken.None);

        replay.Targets.Single().Rollouts.ShouldBeEmpty("the same revision again rolls nothing");
        restarted.Targets.Single().Rollouts.ShouldBeEmpty("a restarted worker finds the hash already on the pod template");
        _fixture.Server.Requests.Count("apply", "statefulsets").ShouldBe(1, "one rollout across a replay and a restart");
    }

    [Fact]
    public async Task Sync_UnusedKeyChanges_RollsNothing()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one"), ("user", "app")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.Deployments, "web", "true", Env("db", "password"));
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one"), ("user", "admin")));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Count(ChangeKind.Update).ShouldBe(1);
        report.Targets.Single().Rollouts.ShouldBeEmpty("only user changed, and the Deployment reads password alone");
        _fixture.Server.Requests.Count("apply", "deployments").ShouldBe(0);
    }

    [Fact]
    public async Task Sync_ManySecretsChangedInOneSync_OneRolloutPerWorkload()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one")));
        _fixture.Write("apps/api.yaml", "shop", "api", Values(("token", "one")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.DaemonSets, "agent", "true", EnvFrom("db"), Volume("api"));
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "two")));
        _fixture.Write("apps/api.yaml", "shop", "api", Values(("token", "two")));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Rollouts.ShouldHaveSingleItem("two Secrets changed, one DaemonSet").Secrets.ShouldBe(["api", "db"]);
        _fixture.Server.Requests.Count("apply", "daemonsets").ShouldBe(1);
    }

    [Fact]
    public async Task Sync_RolloutFailedThenWorkerRestarted_NewEngineFinishesIt()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.Deployments, "web", "true", Volume("db"));
        TemplateHash(ResourceTypes.Deployments, "web").ShouldBeNull();
        ApplyHash(ResourceTypes.Deployments, "web", "sha256:rolled-for-older-data");
        _fixture.Server.Faults.FailNext(10, 500, r => r.Verb == "apply" && r.ResourcePlural == "deployments");
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "two")));
        _fixture.Source.Commit = "c2";

        var failed = await _fixture.SyncAsync();
        _fixture.Server.Faults.Clear();
        var restarted = await NewEngine().SyncAsync(false, null, CancellationToken.None);

        failed.Targets.Single().Rollouts.ShouldHaveSingleItem().Succeeded.ShouldBeFalse();
        failed.Warnings.ShouldContain(w => w.Contains("rolling Deployment shop/web failed"));
        failed.Targets.Single().Count(ChangeKind.Update).ShouldBe(1, "a failed rollout does not undo or fail the Secret");
        var healed = restarted.Targets.Single().Rollouts.ShouldHaveSingleItem("the restarted worker sees the pod template's hash is out of date");
        healed.Succeeded.ShouldBeTrue(healed.Error);
        TemplateHash(ResourceTypes.Deployments, "web").ShouldBe(healed.Hash);
    }

    [Fact]
    public async Task Sync_WorkloadNotOptedIn_IsNeverTouched()
    {
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "one")));
        await _fixture.SyncAsync();
        SeedWorkload(ResourceTypes.Deployments, "plain", null, EnvFrom("db"));
        _fixture.Write("apps/db.yaml", "shop", "db", Values(("password", "two")));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Rollouts.ShouldBeEmpty();
        _fixture.Server.Requests.Count("apply", "deployments").ShouldBe(0);
    }

    private SyncEngine NewEngine()
    {
        var target = new KubernetesTarget("cluster", _fixture.Client, new KubernetesTargetOptions(), _fixture.Time, NullLogger<KubernetesTarget>.Instance);
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), _fixture.Counters));
        return new SyncEngine(_fixture.Source, new PathKeyStore(Vectors.Path("sealing-key.secret.json")), [new SyncTarget(target, ["apps"], true)], unsealer, _fixture.Counters, TimeProvider.System, NullLogger<SyncEngine>.Instance);
    }

    private void SeedWorkload(ResourceType type, string name, string? optIn, params Action<JsonObject>[] uses)
    {
        var container = new JsonObject { ["name"] = "app", ["image"] = "registry.example/app:1" };
        var podSpec = new JsonObject { ["containers"] = new JsonArray(container) };
        foreach (var use in uses)
        {
            use(podSpec);
        }

        var metadata = new JsonObject { ["name"] = name };
        if (optIn is not null)
        {
            metadata["annotations"] = new JsonObject { [RestartAnnotations.OptIn] = optIn };
        }

        _fixture.Server.Store.Create(type, "shop", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = type.Kind,
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } }, ["spec"] = podSpec },
            },
        }, "kubectl-client-side-apply");
    }

    private void ApplyHash(ResourceType type, string name, string hash) =>
        _fixture.Server.Store.Apply(type, "shop", name, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = type.Kind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartAnnotations.SecretsHash] = hash } } } },
        }, KubernetesTarget.FieldManager, force: true);

    private string? TemplateHash(ResourceType type, string name) =>
        _fixture.Server.Store.Get(type, "shop", name)!["spec"]?["template"]?["metadata"]?["annotations"]?[RestartAnnotations.SecretsHash]?.GetValue<string>();

    private static Action<JsonObject> Env(string secret, string key) => spec =>
        ((JsonObject)spec["containers"]![0]!)["env"] = new JsonArray(new JsonObject { ["name"] = "X", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } } });

    private static Action<JsonObject> EnvFrom(string secret) => spec =>
        ((JsonObject)spec["containers"]![0]!)["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = secret } });

    private static Action<JsonObject> Volume(string secret) => spec =>
        spec["volumes"] = new JsonArray(new JsonObject { ["name"] = secret, ["secret"] = new JsonObject { ["secretName"] = secret } });

    private static Dictionary<string, string> Values(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
