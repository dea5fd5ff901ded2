using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>Keys in the cluster the Bitnami way, through the real client against the loopback API server.</summary>
public sealed class ClusterKeyStoreTests : LoopbackApiServer
{
    /// <summary>Stores the vector key Secret exactly as a Bitnami controller left it.</summary>
    private static void SeedVectorKey(ApiServer server)
    {
        var secret = JsonNode.Parse(Vectors.Text("sealing-key.secret.json"))!.AsObject();
        server.Store.Create(ResourceTypes.Secrets, "kube-system", secret, "controller");
    }

    [Fact]
    public async Task Load_BitnamiKeySecrets_ReadsLabelledAndLegacyKeys_SkipsCompromisedAndReportsMalformed()
    {
        SeedVectorKey(Server);
        using var legacyKey = TestKeys.Old();
        Server.Store.Create(ResourceTypes.Secrets, "kube-system", KeySecretNode(legacyKey, "sealed-secrets-key", label: null), "controller");
        using var compromised = TestKeys.New();
        Server.Store.Create(ResourceTypes.Secrets, "kube-system", KeySecretNode(compromised, "sealed-secrets-keybad00", label: KeySecrets.CompromisedValue), "controller");
        Server.SeedSecret("kube-system", "sealed-secrets-keybroken", new Dictionary<string, string> { ["tls.crt"] = "not a certificate", ["tls.key"] = "not a key" },
            labels: new Dictionary<string, string> { [KeySecrets.KeyLabel] = KeySecrets.ActiveValue }, type: "kubernetes.io/tls");
        var store = Store();

        var loaded = await store.LoadAsync(CancellationToken.None);

        using var vector = Vectors.LoadKey();
        loaded.Keys.Select(k => k.Fingerprint).ShouldBe([legacyKey.Fingerprint, vector.Fingerprint], ignoreOrder: true);
        loaded.Problems.ShouldHaveSingleItem().ShouldContain("sealed-secrets-keybroken");
        Server.Requests.Count("list", "secrets").ShouldBe(1);
        Server.Requests.All.Single(r => r.Verb == "list").QueryValue("labelSelector").ShouldBe(KeySecrets.KeyLabel);
        foreach (var key in loaded.Keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public async Task Add_CreatesALabelledTlsSecretWithGenerateName_ThatLoadsBack()
    {
        var store = Store();
        using var key = TestKeys.New();

        var name = await store.AddAsync(key, CancellationToken.None);

        name.ShouldStartWith(KeySecrets.NamePrefix);
        var secret = await Client.CoreV1.ReadNamespacedSecretAsync(name, "kube-system");
        secret.Type.ShouldBe("kubernetes.io/tls");
        secret.Metadata.Labels[KeySecrets.KeyLabel].ShouldBe(KeySecrets.ActiveValue);
        Server.Requests.All.Single(r => r.Verb == "create").Body.ShouldContain("\"generateName\":\"sealed-secrets-key\"");
        var loaded = await store.LoadAsync(CancellationToken.None);
        loaded.Keys.ShouldHaveSingleItem().Fingerprint.ShouldBe(key.Fingerprint);
        loaded.Keys[0].Dispose();
    }

    [Fact]
    public async Task Sync_WithAnExistingBitnamiKeyInTheCluster_DecryptsTheVectors()
    {
        await using var fixture = await KubeSyncFixture.StartAsync(keys: server =>
        {
            SeedVectorKey(server);
            return new ClusterKeyStore(server.CreateClient(), "kube-system", new KubernetesRetryPolicy(), TimeProvider.System, NullLogger<ClusterKeyStore>.Instance);
        });
        fixture.Server.CreateNamespace("myns");
        fixture.Repo.Write("sealedsecret-strict.json", Vectors.Text("sealedsecret-strict.json"));

        var report = await fixture.SyncAsync();

        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Errors.Concat(report.Targets.SelectMany(t => t.Objects).Select(o => o.Message ?? string.Empty))));
        var values = fixture.Text(new SecretId("myns", "mysecret"))!;
        values["foo"].ShouldBe("bar");
        values["password"].ShouldBe("hunter2'\"=\n");
        values["empty"].ShouldBe(string.Empty);
    }

    [Fact]
    public async Task KeysExportThenImport_MovesTheKeyToAnotherCluster_Once()
    {
        SeedVectorKey(Server);
        await using var other = await ApiServer.StartAsync();
        using var temp = new TempDirectory();
        var source = Server.WriteKubeconfig(temp.File("source"), "source");
        var target = other.WriteKubeconfig(temp.File("target"), "target");
        var cli = new CliRunner();

        var export = await cli.RunAsync("keys", "export", "--keys", "cluster:kube-system", "--kubeconfig", source, "--context", "source", "-w", temp.File("keys.yaml"));
        var import = await cli.RunAsync("keys", "import", temp.File("keys.yaml"), "--keys", "cluster:kube-system", "--kubeconfig", target);
        var again = await cli.RunAsync("keys", "import", temp.File("keys.yaml"), "--keys", "cluster:kube-system", "--kubeconfig", target);

        export.ExitCode.ShouldBe(0, export.ToString());
        var exported = File.ReadAllText(temp.File("keys.yaml"));
        exported.ShouldContain("kind: List");
        exported.ShouldContain(KeySecrets.KeyLabel);
        File.GetUnixFileMode(temp.File("keys.yaml")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        import.ExitCode.ShouldBe(0, import.ToString());
        import.Stdout.ShouldContain("imported 1 key into");
        again.ExitCode.ShouldBe(0, again.ToString());
        again.Stdout.ShouldContain("imported 0 keys into");
        again.Stdout.ShouldContain("1 skipped");
        var keys = await new ClusterKeyStore(other.CreateClient(), "kube-system", new KubernetesRetryPolicy(), TimeProvider.System, NullLogger<ClusterKeyStore>.Instance).LoadAsync(CancellationToken.None);
        using var vector = Vectors.LoadKey();
        keys.Keys.ShouldHaveSingleItem().Fingerprint.ShouldBe(vector.Fingerprint);
        keys.Keys[0].Dispose();
    }

    [Fact]
    public async Task KeysExport_WithoutKeys_IsAUsageError()
    {
        var result = await new CliRunner().RunAsync("keys", "export");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--keys is required");
    }

    private ClusterKeyStore Store() => new(Client, "kube-system", new KubernetesRetryPolicy(), TimeProvider.System, NullLogger<ClusterKeyStore>.Instance);

    private static JsonObject KeySecretNode(SealingKey key, string name, string? label)
    {
        var secret = KeySecrets.ToSecret(key, "kube-system", name);
        secret.Metadata.Labels.Clear();
        if (label is not null)
        {
            secret.Metadata.Labels[KeySecrets.KeyLabel] = label;
        }

        var node = GitOpsSecrets.Secrets.SecretManifest.ToNode(secret);
        node["metadata"]!.AsObject().Remove("creationTimestamp");
        return node;
    }
}
