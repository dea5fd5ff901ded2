using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.KeyLifecycle;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>The worker's key retirement policy and recovery drill after a sync, with the cluster key store on the loopback API server.</summary>
public sealed class KeyMaintenanceTests : LoopbackApiServer, IDisposable
{
    private readonly TempDirectory _source = new();
    private readonly SealingKey _old = TestKeys.Old();
    private readonly SealingKey _new = TestKeys.New();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
    private readonly KeyLifecycleState _state = new();

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
        _source.Dispose();
    }

    [Fact]
    public async Task Run_OldKeyNoLongerUsed_RetiredThenDeletedAfterSecondGrace_InStatusAndMetrics()
    {
        SeedKeys();
        _source.Write("apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(_new, "shop", "db", new Dictionary<string, string> { ["password"] = "p" })));
        var (maintenance, keys) = await StartAsync(retireAfter: TimeSpan.FromHours(24), deleteAfter: TimeSpan.FromHours(1));

        await maintenance.RunAsync(Report(), CancellationToken.None);
        var labelAfterFirst = Label("sealed-secrets-keyold00");
        _time.Advance(TimeSpan.FromHours(2));
        await maintenance.RunAsync(Report(), CancellationToken.None);

        labelAfterFirst.ShouldBe(KeySecrets.CompromisedValue, "the first run marks the unused old key compromised");
        Server.Store.Get(ResourceTypes.Secrets, "kube-system", "sealed-secrets-keyold00").ShouldBeNull("the second run, after deleteRetiredAfter, deletes it");
        Label("sealed-secrets-keynew00").ShouldBe(KeySecrets.ActiveValue, "the newest key is never retired");
        _state.Events.Select(e => $"{e.Action} {e.Key} {e.Error}".Trim()).ShouldBe(["retire sealed-secrets-keyold00", "delete sealed-secrets-keyold00"]);
        var metrics = _state.RenderMetrics();
        metrics.ShouldContain("gitops_secrets_key_retirements_total{action=\"retire\",result=\"done\"} 1");
        metrics.ShouldContain("gitops_secrets_key_retirements_total{action=\"delete\",result=\"done\"} 1");
        _state.ToJson()["retirements"]!.AsArray().Count.ShouldBe(2);
        keys.Ring.Count.ShouldBe(1, "the worker reloads its keys after a retirement");
    }

    [Fact]
    public async Task Run_KeyStillUsedOrParseFailure_NothingRetired()
    {
        SeedKeys();
        _source.Write("apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = "p" })));
        var (maintenance, _) = await StartAsync(retireAfter: TimeSpan.FromHours(1), deleteAfter: null);
        var parseFailure = Report() with
        {
            Targets = [new TargetReport("cluster", "kubernetes", [new ObjectResult(ChangeKind.Failed, new SecretId("shop", "x"), "apps/x.yaml", null, "bad") { Reason = FailureReason.Parse }], null, null)],
        };

        await maintenance.RunAsync(Report(), CancellationToken.None);
        File.Delete(_source.File("apps/db.yaml"));
        await maintenance.RunAsync(parseFailure, CancellationToken.None);

        Label("sealed-secrets-keyold00").ShouldBe(KeySecrets.ActiveValue, "in use at first, then a document failed to parse: kept both times");
        _state.Events.ShouldBeEmpty();
        Server.Requests.Count("patch", "secrets").ShouldBe(0);
    }

    [Fact]
    public async Task Run_KeyStoreLacksAKeyADocumentNeeds_DrillReportsItInStatusAndMetric()
    {
        SeedKeys();
        using var stranger = new KeyGenerator(TimeProvider.System).Generate("stranger", 2048);
        _source.Write("apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(_new, "shop", "db", new Dictionary<string, string> { ["password"] = "p" })));
        _source.Write("apps/lost.yaml", SealedFiles.Yaml(SealedFiles.Seal(stranger, "shop", "lost", new Dictionary<string, string> { ["password"] = "p" })));
        var (maintenance, _) = await StartAsync(retireAfter: null, deleteAfter: null);

        await maintenance.RunAsync(Report(), CancellationToken.None);

        var drill = _state.Drill.ShouldNotBeNull("the first run after start drills");
        (drill.Opens, drill.Fails, drill.Unreadable).ShouldBe((1, 1, 0));
        drill.Problems.ShouldHaveSingleItem().ShouldContain("apps/lost.yaml");
        _state.RenderMetrics().ShouldContain("gitops_secrets_drill_documents{result=\"fails\"} 1");
        Server.Requests.Count("patch", "secrets").ShouldBe(0, "retirement is off by default");
    }

    private SyncReport Report() => new("main@sha1:abc", false, [], [], [], 0, 0, TimeSpan.Zero) { SourceRoot = _source.Path };

    private string? Label(string name) =>
        Server.Store.Get(ResourceTypes.Secrets, "kube-system", name)?["metadata"]?["labels"]?[KeySecrets.KeyLabel]?.GetValue<string>();

    private void SeedKeys()
    {
        foreach (var (key, name) in new[] { (_old, "sealed-secrets-keyold00"), (_new, "sealed-secrets-keynew00") })
        {
            var node = GitOpsSecrets.Secrets.SecretManifest.ToNode(KeySecrets.ToSecret(key, "kube-system", name));
            node["metadata"]!.AsObject().Remove("creationTimestamp");
            Server.Store.Create(ResourceTypes.Secrets, "kube-system", node, "controller");
        }
    }

    private async Task<(KeyMaintenance Maintenance, CurrentKeys Keys)> StartAsync(TimeSpan? retireAfter, TimeSpan? deleteAfter)
    {
        var configuration = new WorkerConfiguration
        {
            Keys = new KeysConfiguration { ClusterNamespace = "kube-system", RetireAfter = retireAfter, DeleteRetiredAfter = deleteAfter },
            Targets = [new TargetConfiguration { Name = "cluster", Kind = "kubernetes", Paths = ["apps"] }],
        };
        var store = new ClusterKeyStore(Client, "kube-system", new KubernetesRetryPolicy(), _time, NullLogger<ClusterKeyStore>.Instance);
        var keys = new CurrentKeys(store, NullLogger<CurrentKeys>.Instance);
        await keys.LoadAsync(CancellationToken.None);
        var cipher = new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters());
        var maintenance = new KeyMaintenance(configuration, store, keys, new Unsealer(cipher), cipher, _state, _time, NullLogger<KeyMaintenance>.Instance);
        return (maintenance, keys);
    }
}
