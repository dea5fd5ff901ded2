using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary><c>keys retire</c>, <c>keys compromised</c> and <c>keys drill</c> through the CLI, with the cluster key store on the loopback API server.</summary>
public sealed class KeyLifecycleCommandTests : LoopbackApiServer, IDisposable
{
    private const string Planted = "planted-lifecycle-value-91ab";
    private readonly TempDirectory _temp = new();
    private readonly SealingKey _old = TestKeys.Old();
    private readonly SealingKey _new = TestKeys.New();

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Retire_KeyStillUsed_RefusedUntilResealed_ThenMarkedCompromised_ThenDeletedAfterSecondGrace()
    {
        var kubeconfig = SeedClusterKeys();
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "db.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = Planted })));
        var keyFiles = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(keyFiles, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(keyFiles, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var cli = new CliRunner();
        string[] Retire(params string[] more) => ["keys", "retire", _old.Fingerprint[..16], repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig, .. more];

        var inUse = await cli.RunAsync(Retire());
        var reseal = await cli.RunAsync("reseal", repo, "--keys", keyFiles);
        var retired = await cli.RunAsync(Retire());
        var tooEarly = await cli.RunAsync(Retire());
        var later = new CliRunner { Time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8)) };
        var deleted = await later.RunAsync(Retire());

        inUse.ExitCode.ShouldBe(ExitCodes.ChangesPending, inUse.ToString());
        inUse.Stderr.ShouldContain("SealedSecret shop/db");
        reseal.ExitCode.ShouldBe(ExitCodes.Success, reseal.ToString());
        retired.ExitCode.ShouldBe(ExitCodes.Success, retired.ToString());
        retired.Stdout.ShouldContain($"retired key {_old.ShortFingerprint}");
        tooEarly.ExitCode.ShouldBe(ExitCodes.ChangesPending, "deleted only after --delete-after (168h by default)");
        tooEarly.Stderr.ShouldContain("deleted from");
        deleted.ExitCode.ShouldBe(ExitCodes.Success, deleted.ToString());
        deleted.Stdout.ShouldContain($"deleted key {_old.ShortFingerprint}");
        Server.Store.Get(ResourceTypes.Secrets, "kube-system", "sealed-secrets-keyold00").ShouldBeNull("the retired key Secret is gone");
        Server.Store.Get(ResourceTypes.Secrets, "kube-system", "sealed-secrets-keynew00").ShouldNotBeNull();
        var reasons = Server.Store.List(ResourceTypes.CoreEvents, "kube-system").Select(e => e["reason"]!.GetValue<string>()).ToList();
        reasons.ShouldContain(KeyEventReasons.Retired);
        reasons.ShouldContain(KeyEventReasons.Deleted);
        (inUse.ToString() + retired + tooEarly + deleted).ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Retire_MarksWithBitnamiCompromisedLabel_SoTheStoreNoLongerLoadsIt()
    {
        var kubeconfig = SeedClusterKeys();
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);

        var result = await new CliRunner().RunAsync("keys", "retire", _old.Fingerprint, repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secret = Server.Store.Get(ResourceTypes.Secrets, "kube-system", "sealed-secrets-keyold00")!;
        secret["metadata"]!["labels"]![KeySecrets.KeyLabel]!.GetValue<string>().ShouldBe(KeySecrets.CompromisedValue, "Bitnami's controller selects keys by label value active");
        secret["metadata"]!["annotations"]![KeyLifecycleAnnotations.RetiredAt].ShouldNotBeNull();
        var drill = await new CliRunner().RunAsync("keys", "drill", repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig);
        drill.ExitCode.ShouldBe(ExitCodes.Success, drill.ToString());
    }

    [Theory]
    [InlineData("newest")]
    [InlineData("grace")]
    [InlineData("unreadable")]
    public async Task Retire_PolicySaysKeep_RefusedAndNothingChanged(string why)
    {
        var kubeconfig = SeedClusterKeys();
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);
        var fingerprint = why == "newest" ? _new.Fingerprint : _old.Fingerprint;
        var extra = why == "grace" ? new[] { "--grace", "100000h" } : [];
        if (why == "unreadable")
        {
            File.WriteAllText(Path.Combine(repo, "broken.yaml"), "kind: SealedSecret\nspec: [unclosed\n");
        }

        var result = await new CliRunner().RunAsync(["keys", "retire", fingerprint, repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig, .. extra]);

        result.ExitCode.ShouldBe(ExitCodes.ChangesPending, result.ToString());
        result.Stderr.ShouldContain(why switch { "newest" => "newest key", "grace" => "grace period", _ => "could not be read" });
        Server.Requests.Count("patch", "secrets").ShouldBe(0, "a refused retirement changes nothing");
        Server.Requests.Count("delete", "secrets").ShouldBe(0);
    }

    [Fact]
    public async Task Compromised_WithReseal_MarksKeyCreatesNewOneResealsAndListsExposedSecrets()
    {
        var kubeconfig = SeedClusterKeys();
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "db.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = Planted })));
        File.WriteAllText(Path.Combine(repo, "api.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_new, "shop", "api", new Dictionary<string, string> { ["token"] = "t" })));

        var result = await new CliRunner().RunAsync("keys", "compromised", _old.Fingerprint[..12], repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig, "--reseal");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("must now be changed by a person");
        result.Stdout.ShouldContain("SealedSecret shop/db");
        result.Stdout.ShouldNotContain("SealedSecret shop/api", customMessage: "api was never sealed to the compromised key");
        result.Stdout.ShouldContain("resealed 2 SealedSecrets in 2 files");
        result.ToString().ShouldNotContain(Planted);
        var keys = Server.Store.List(ResourceTypes.Secrets, "kube-system");
        keys.Count.ShouldBe(3, "the old, the new and the one just created");
        keys.Single(k => k["metadata"]!["name"]!.GetValue<string>() == "sealed-secrets-keyold00")["metadata"]!["labels"]![KeySecrets.KeyLabel]!.GetValue<string>().ShouldBe(KeySecrets.CompromisedValue);
        var drill = await new CliRunner().RunAsync("keys", "drill", repo, "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig, "-o", "json");
        drill.ExitCode.ShouldBe(ExitCodes.Success, "every document opens without the compromised key: " + drill);
        var created = keys.Single(k => k["metadata"]!["name"]!.GetValue<string>() is not ("sealed-secrets-keyold00" or "sealed-secrets-keynew00"))["metadata"]!["name"]!.GetValue<string>();
        JsonNode.Parse(drill.Stdout)!["documents"]!.AsArray().ShouldAllBe(d => d!["openedBy"]![0]!["name"]!.GetValue<string>().Contains(created), "everything is sealed to the new key");
    }

    [Fact]
    public async Task Compromised_ResealPush_OneCommitOnTheRemoteSealedToTheNewKeyAlone_ListsExposedSecrets()
    {
        var kubeconfig = SeedClusterKeys();
        using var remote = new RemoteRepository();
        var plantedOld = Planted + "-db";
        var plantedNew = Planted + "-api";
        var before = remote.Commit("two SealedSecrets, one on the key that leaks", new Dictionary<string, string?>
        {
            ["apps/db.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = plantedOld })),
            ["apps/api.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(_new, "shop", "api", new Dictionary<string, string> { ["token"] = plantedNew })),
            ["README.md"] = "platform secrets\n",
        });
        var clone = remote.Clone("ci");

        var result = await new CliRunner().RunAsync("keys", "compromised", _old.Fingerprint[..12], Path.Combine(clone, "apps"), "--keys", "cluster:kube-system", "--kubeconfig", kubeconfig, "--reseal", "--push");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("resealed 2 SealedSecrets in 2 files");
        result.Stdout.ShouldContain("and pushed");
        result.Stdout.ShouldContain("must now be changed by a person");
        result.Stdout.ShouldContain("SealedSecret shop/db");
        result.Stdout.ShouldNotContain("SealedSecret shop/api", customMessage: "api was never sealed to the compromised key");
        GitCli.Run(remote.BarePath, "rev-parse", "main~1").ShouldBe(before, "exactly one new commit on the remote");
        GitCli.Run(remote.BarePath, "diff", "--name-only", "main~1", "main").Split('\n').Order().ShouldBe(["apps/api.yaml", "apps/db.yaml"]);
        var message = GitCli.Run(remote.BarePath, "log", "-1", "--format=%B", "main");
        message.ShouldContain("after a key was compromised");
        var secrets = Server.Store.List(ResourceTypes.Secrets, "kube-system");
        secrets.Single(k => Name(k) == "sealed-secrets-keyold00")["metadata"]!["labels"]![KeySecrets.KeyLabel]!.GetValue<string>().ShouldBe(KeySecrets.CompromisedValue);
        var createdSecret = secrets.Single(k => Name(k) is not ("sealed-secrets-keyold00" or "sealed-secrets-keynew00"));
        var check = Path.Combine(_temp.Path, "check");
        Directory.CreateDirectory(check);
        foreach (var (path, name, planted) in new[] { ("apps/db.yaml", "shop/db", plantedOld), ("apps/api.yaml", "shop/api", plantedNew) })
        {
            var file = Path.Combine(check, Path.GetFileName(path));
            File.WriteAllText(file, GitCli.Run(remote.BarePath, "show", $"main:{path}") + "\n");
            // SealedFiles.Open disposes the keys it is given: fresh ones each time.
            var withNew = SealedFiles.Open(file, KeyFrom(createdSecret)).Single();
            withNew.Name.ShouldBe(name);
            withNew.Values.ShouldNotBeNull($"{path} on the remote opens with the new key");
            withNew.Values.Values.Single().ShouldBe(planted, $"{path} keeps its value");
            SealedFiles.Open(file, TestKeys.Old(), TestKeys.New()).Single().Values.ShouldBeNull($"{path} on the remote no longer opens with the compromised or the previous key");
        }

        (result.ToString() + message).ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Drill_KeyStoreMissingAKey_Exit4NamesTheFileAndWhy_WithTheKeyExit0()
    {
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "db.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = Planted, ["user"] = "u" })));
        File.WriteAllText(Path.Combine(repo, "api.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_new, "shop", "api", new Dictionary<string, string> { ["token"] = "t" })));
        var onlyNew = Path.Combine(_temp.Path, "only-new");
        SealedFiles.WriteKeyPair(onlyNew, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var both = Path.Combine(_temp.Path, "both");
        SealedFiles.WriteKeyPair(both, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        SealedFiles.WriteKeyPair(both, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        var cli = new CliRunner();

        var missing = await cli.RunAsync("keys", "drill", repo, "--keys", onlyNew);
        var complete = await cli.RunAsync("keys", "drill", repo, "--keys", both);

        missing.ExitCode.ShouldBe(ExitCodes.DecryptionFailed, missing.ToString());
        missing.Stdout.ShouldContain("db.yaml (document 1)  shop/db  FAILS: no key in the store opens password, user");
        missing.Stdout.ShouldContain("api.yaml (document 1)  shop/api  opens with");
        complete.ExitCode.ShouldBe(ExitCodes.Success, complete.ToString());
        complete.Stdout.ShouldContain("2 SealedSecrets: 2 open, 0 fail, 0 unreadable");
        (missing.ToString() + complete).ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Drill_AtRevision_ReadsTheCommitNotTheWorkTree_AndWritesNothing()
    {
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "apps"));
        GitCli.Run(repo, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(repo, "apps", "db.yaml"), SealedFiles.Yaml(SealedFiles.Seal(_old, "shop", "db", new Dictionary<string, string> { ["password"] = Planted })));
        GitCli.Run(repo, "add", ".");
        GitCli.Run(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "db");
        File.WriteAllText(Path.Combine(repo, "apps", "db.yaml"), "kind: SealedSecret\nspec: [broken\n");
        var keys = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        var before = Directory.GetFileSystemEntries(repo, "*", SearchOption.AllDirectories).Order().ToList();
        var cli = new CliRunner();

        var atHead = await cli.RunAsync("keys", "drill", Path.Combine(repo, "apps"), "--ref", "main", "--keys", keys);
        var workTree = await cli.RunAsync("keys", "drill", Path.Combine(repo, "apps"), "--keys", keys);
        var unknown = await cli.RunAsync("keys", "drill", repo, "--ref", "no-such-branch", "--keys", keys);

        atHead.ExitCode.ShouldBe(ExitCodes.Success, atHead.ToString());
        atHead.Stdout.ShouldContain("apps/db.yaml (document 1)  shop/db  opens with");
        workTree.ExitCode.ShouldBe(ExitCodes.InvalidInput, "the broken work-tree file is unreadable: " + workTree);
        unknown.ExitCode.ShouldBe(ExitCodes.InvalidInput, unknown.ToString());
        unknown.Stderr.ShouldStartWith("error: revision no-such-branch");
        Directory.GetFileSystemEntries(repo, "*", SearchOption.AllDirectories).Order().ToList().ShouldBe(before, "a drill writes nothing");
    }

    private static string Name(JsonNode secret) => secret["metadata"]!["name"]!.GetValue<string>();

    /// <summary>The key a key Secret in the fake API server holds (data is base64 as on the wire).</summary>
    private static SealingKey KeyFrom(JsonNode secret)
    {
        string Pem(string field) => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(secret["data"]![field]!.GetValue<string>()));
        var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Pem("tls.crt"));
        var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(Pem("tls.key"));
        return SealingKey.FromCertificate(Name(secret), certificate, rsa);
    }

    /// <summary>The old and new test keys as Bitnami key Secrets in kube-system; returns a kubeconfig for the server.</summary>
    private string SeedClusterKeys()
    {
        foreach (var (key, name) in new[] { (_old, "sealed-secrets-keyold00"), (_new, "sealed-secrets-keynew00") })
        {
            var node = GitOpsSecrets.Secrets.SecretManifest.ToNode(KeySecrets.ToSecret(key, "kube-system", name));
            node["metadata"]!.AsObject().Remove("creationTimestamp");
            Server.Store.Create(ResourceTypes.Secrets, "kube-system", node, "controller");
        }

        return Server.WriteKubeconfig(_temp.File("kubeconfig"));
    }
}
