using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class ResealCommandTests : IDisposable
{
    private const string PlantedPassword = "planted-password-4242";
    private const string PlantedToken = "planted-token-7373";

    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();
    private readonly string _repo;
    private readonly string _keys;
    private readonly string _newFingerprint;
    private readonly string _oldFingerprint;

    public ResealCommandTests()
    {
        _repo = Path.Combine(_temp.Path, "repo");
        _keys = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(_keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        _oldFingerprint = oldKey.Fingerprint;
        _newFingerprint = newKey.Fingerprint;
    }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, string> Values(string name) => new()
    {
        ["password"] = $"{PlantedPassword}-{name}",
        ["token"] = $"{PlantedToken}-{name}",
        ["user"] = name,
    };

    /// <summary>A repository with a mixed YAML file, an indented JSON file, a compact JSON file and a current file.</summary>
    private (string Yaml, string Json, string Compact, string Current) WriteRepository()
    {
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        var strict = SealedFiles.Yaml(SealedFiles.Seal(oldKey, "payments", "db", Values("db")));
        var unannotated = SealedFiles.Yaml(SealedFiles.Seal(oldKey, "payments", "api", Values("api"), SealingScope.NamespaceWide, annotate: false));
        var yaml = "# Payments secrets: edited by hand, keep this comment\n"
            + "apiVersion: v1\nkind: ConfigMap   # not a secret\nmetadata:\n  name: settings\ndata:\n  mode: \"fast\"\n"
            + "---\n# the database\n" + strict
            + "---\n" + unannotated.Replace("spec:\n", "spec:  # sealed with the old key\n", StringComparison.Ordinal)
            + "# trailing comment\n";
        var files = (
            Yaml: _temp.Write("repo/apps/payments/secrets.yaml", yaml),
            Json: _temp.Write("repo/apps/web/sealed.json", SealedFiles.Json(SealedFiles.Seal(oldKey, "web", "tls", Values("tls"), SealingScope.ClusterWide))),
            Compact: _temp.Write("repo/apps/web/compact.json", ManifestWriter.ToCompactJson(SealedSecretManifest.ToNode(SealedFiles.Seal(oldKey, "web", "compact", Values("compact")))) + "\n"),
            Current: _temp.Write("repo/apps/current.yml", SealedFiles.Yaml(SealedFiles.Seal(newKey, "ops", "current", Values("current")))));
        _temp.Write("repo/charts/template.yaml", "{{ if .Values.x }}\nkind: Deployment\n{{ end }}\n");
        return files;
    }

    /// <summary>The text with every sealed value and the sealing-key fingerprints replaced by placeholders.</summary>
    private string Masked(string file)
    {
        var text = File.ReadAllText(file);
        foreach (var document in ManifestReader.ReadFile(file).Where(SealedSecretManifest.IsSealedSecret))
        {
            foreach (var value in SealedSecretManifest.Read(document).EncryptedData.Values)
            {
                text = text.Replace(value, "<sealed>", StringComparison.Ordinal);
            }
        }

        return text.Replace(_oldFingerprint, "<key>", StringComparison.Ordinal).Replace(_newFingerprint, "<key>", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reseal_AfterNewKey_EveryValueOpensWithNewKeyAlone_AndEverythingElseIsKept()
    {
        var (yaml, json, compact, current) = WriteRepository();
        var before = new[] { yaml, json, compact }.ToDictionary(f => f, Masked);
        var currentBytes = File.ReadAllBytes(current);
        var currentTime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(current, currentTime);

        var result = await _cli.RunAsync("reseal", _repo, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("SealedSecrets: 5, values: 15, rewritten: 4 (12 values in 3 files), skipped: 1 (current)");
        foreach (var file in new[] { yaml, json, compact })
        {
            foreach (var (name, values) in SealedFiles.Open(file, TestKeys.New()))
            {
                values.ShouldNotBeNull($"{name} in {file} must open with the new key alone");
                values.ShouldBe(Values(name.Split('/')[1]), $"{name}: plaintexts must be unchanged");
            }

            SealedFiles.Open(file, TestKeys.Old()).ShouldAllBe(s => s.Values == null, "nothing may still open with the old key");
        }

        // Outside the sealed values and the annotation, every byte is as it was.
        var annotationAdded = "  annotations:\n    gitops-secrets.io/sealing-key: <key>\n";
        Masked(yaml).Replace("  name: api\n  namespace: payments\n" + annotationAdded, "  name: api\n  namespace: payments\n", StringComparison.Ordinal)
            .Replace("    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n    gitops-secrets.io/sealing-key: <key>\n", "    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n", StringComparison.Ordinal)
            .ShouldBe(before[yaml]);
        Masked(json).ShouldBe(before[json], "indented JSON stays indented JSON");
        Masked(compact).ShouldBe(before[compact], "compact JSON stays compact");
        File.ReadAllText(yaml).ShouldContain("# the database\n");
        File.ReadAllText(yaml).ShouldContain("kind: ConfigMap   # not a secret\n");
        File.ReadAllText(yaml).ShouldContain("spec:  # sealed with the old key\n");

        File.ReadAllBytes(current).ShouldBe(currentBytes);
        File.GetLastWriteTimeUtc(current).ShouldBe(currentTime, "a file with nothing to change is not written");
        File.ReadAllText(Path.Combine(_repo, "charts", "template.yaml")).ShouldStartWith("{{ if");
    }

    [Fact]
    public async Task Reseal_SecondRun_ChangesNothing()
    {
        WriteRepository();
        (await _cli.RunAsync("reseal", _repo, "--keys", _keys)).ExitCode.ShouldBe(ExitCodes.Success);
        var snapshot = Directory.EnumerateFiles(_repo, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => (File.ReadAllBytes(f), File.GetLastWriteTimeUtc(f)));

        var second = await _cli.RunAsync("reseal", _repo, "--keys", _keys);

        second.ExitCode.ShouldBe(ExitCodes.Success, second.ToString());
        second.Stdout.ShouldContain("rewritten: 0 (0 values in 0 files), skipped: 5 (current)");
        foreach (var (file, (bytes, time)) in snapshot)
        {
            File.ReadAllBytes(file).ShouldBe(bytes, file);
            File.GetLastWriteTimeUtc(file).ShouldBe(time, file);
        }
    }

    [Fact]
    public async Task Check_ListsStaleFilesAndExits6_ThenPassesAfterReseal()
    {
        var (yaml, json, compact, _) = WriteRepository();
        var before = File.ReadAllBytes(yaml);

        var check = await _cli.RunAsync("reseal", "--check", _repo, "--keys", _keys);

        check.ExitCode.ShouldBe(ExitCodes.ChangesPending, check.ToString());
        File.ReadAllBytes(yaml).ShouldBe(before, "--check rewrites nothing");
        check.Stdout.ShouldContain($"stale: {yaml} (document 2): SealedSecret payments/db: sealed to older key {_oldFingerprint[..12]} (3 of 3 values)");
        check.Stdout.ShouldContain($"stale: {yaml} (document 3): SealedSecret payments/api");
        check.Stdout.ShouldContain(json);
        check.Stdout.ShouldContain(compact);
        check.Stdout.ShouldContain("stale: 4, current: 1, failed: 0");

        (await _cli.RunAsync("reseal", _repo, "--keys", _keys)).ExitCode.ShouldBe(ExitCodes.Success);
        var after = await _cli.RunAsync("reseal", "--check", _repo, "--keys", _keys);
        after.ExitCode.ShouldBe(ExitCodes.Success, after.ToString());
        after.Stdout.ShouldContain("stale: 0, current: 5, failed: 0");
    }

    [Fact]
    public async Task Reseal_UndecryptableDocument_ReportedWithFileDocumentAndKey_FileLeftUnchanged_OthersResealed()
    {
        var (yaml, json, _, _) = WriteRepository();
        var foreign = new KeyGenerator(TimeProvider.System).Generate("foreign", 2048);
        var bad = SealedFiles.Yaml(SealedFiles.Seal(foreign, "payments", "foreign", Values("foreign")));
        File.AppendAllText(yaml, "---\n" + bad);
        var before = File.ReadAllBytes(yaml);

        var result = await _cli.RunAsync("reseal", _repo, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.PartialFailure, result.ToString());
        result.Stderr.ShouldContain($"error: {yaml}");
        result.Stderr.ShouldContain("(document 4): SealedSecret payments/foreign: no key could decrypt secret (password, token, user)");
        File.ReadAllBytes(yaml).ShouldBe(before, "a file with a failed document is left unchanged");
        SealedFiles.Open(json, TestKeys.New()).ShouldAllBe(s => s.Values != null, "other files are still resealed");
        result.Stdout.ShouldContain("failed: 1");
    }

    [Fact]
    public async Task Reseal_NeverPrintsOrWritesPlaintext()
    {
        WriteRepository();

        var result = await _cli.RunAsync("reseal", _repo, "--keys", _keys, "--verbose");
        var check = await _cli.RunAsync("reseal", _repo, "--keys", _keys, "-o", "json", "--check");

        foreach (var output in new[] { result.All, check.All }.Concat(Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories).Select(File.ReadAllText)))
        {
            output.ShouldNotContain(PlantedPassword);
            output.ShouldNotContain(PlantedToken);
        }
    }

    [Fact]
    public async Task Reseal_JsonReport_HasCountsAndDocuments()
    {
        WriteRepository();

        var result = await _cli.RunAsync("reseal", _repo, "--keys", _keys, "-o", "json", "--check");

        result.ExitCode.ShouldBe(ExitCodes.ChangesPending);
        var report = JsonNode.Parse(result.Stdout)!;
        report["newestKey"]!.GetValue<string>().ShouldBe(_newFingerprint);
        report["sealedSecrets"]!.GetValue<int>().ShouldBe(5);
        report["values"]!.GetValue<int>().ShouldBe(15);
        report["pending"]!.GetValue<int>().ShouldBe(4);
        report["documents"]!.AsArray().Count.ShouldBe(4);
        report["documents"]![0]!["previousKeys"]![0]!.GetValue<string>().ShouldBe(_oldFingerprint);
    }

    [Fact]
    public async Task Reseal_ThroughWorkerUrl_RotatesRemotely_AndSecondRunSendsNoRotation()
    {
        var (yaml, json, _, current) = WriteRepository();
        var currentBytes = File.ReadAllBytes(current);
        await using var server = new RotateServer(new KeyRing([TestKeys.Old(), TestKeys.New()]));

        var result = await _cli.RunAsync("reseal", _repo, "--controller-url", server.Url);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        SealedFiles.Open(yaml, TestKeys.New()).ShouldAllBe(s => s.Values != null);
        SealedFiles.Open(json, TestKeys.New()).Single().Values.ShouldBe(Values("tls"));
        File.ReadAllBytes(current).ShouldBe(currentBytes);
        File.ReadAllText(yaml).ShouldContain($"gitops-secrets.io/sealing-key: {_newFingerprint}");
        server.Requests.Count(r => r.Path == "/v1/rotate").ShouldBe(4);

        var rotations = server.Requests.Count(r => r.Path == "/v1/rotate");
        var again = await _cli.RunAsync("reseal", "--check", _repo, "--controller-url", server.Url + "/");
        again.ExitCode.ShouldBe(ExitCodes.Success, again.ToString());
        server.Requests.Count(r => r.Path == "/v1/rotate").ShouldBe(rotations, "current SealedSecrets cost no request");
    }

    [Theory]
    [InlineData("sealing", "sealing")]
    [InlineData(null, ControllerDefaults.Namespace)]
    public async Task Reseal_ThroughKubernetesApiProxy_UsesKubeconfigServerPathAndToken(string? controllerNamespace, string expectedNamespace)
    {
        var (yaml, _, _, _) = WriteRepository();
        await using var server = new RotateServer(new KeyRing([TestKeys.Old(), TestKeys.New()]));
        var kubeconfig = _temp.Write("kubeconfig", $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {server.Url}
            users:
            - name: ci
              user:
                token: proxy-token-1
            contexts:
            - name: test
              context: {"{"}cluster: test, user: ci{"}"}
            current-context: test
            """);

        string[] namespaceFlag = controllerNamespace is null ? [] : ["--controller-namespace", controllerNamespace];
        var result = await _cli.RunAsync(["reseal", yaml, "--kubeconfig", kubeconfig, .. namespaceFlag]);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        SealedFiles.Open(yaml, TestKeys.New()).ShouldAllBe(s => s.Values != null);
        server.Requests.ShouldContain(
            r => r.Method == "POST" && r.Path == $"/api/v1/namespaces/{expectedNamespace}/services/http:sealed-secrets-controller:/proxy/v1/rotate" && r.Authorization == "Bearer proxy-token-1",
            "without --controller-namespace reseal looks where deploy/ installs the worker");
    }

    [Fact]
    public async Task Reseal_ConflictingSources_IsUsageError()
    {
        var result = await _cli.RunAsync("reseal", _temp.Path, "--keys", _keys, "--controller-url", "http://127.0.0.1:1");

        result.ExitCode.ShouldBe(ExitCodes.Usage);
        result.Stderr.ShouldContain("choose one way");
    }

    [Fact]
    public async Task Reseal_WithNewCertificateAndOldPrivateKeyOnly_ResealsThenStaysCurrent()
    {
        var (yaml, _, _, current) = WriteRepository();
        File.Delete(current);
        var keys = Path.Combine(_temp.Path, "ci-keys");
        SealedFiles.WriteKeyPair(keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        File.WriteAllText(Path.Combine(keys, "new.crt"), TestKeys.NewCertificatePem);

        var first = await _cli.RunAsync("reseal", _repo, "--keys", keys);
        var second = await _cli.RunAsync("reseal", "--check", _repo, "--keys", keys);

        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        SealedFiles.Open(yaml, TestKeys.New()).ShouldAllBe(s => s.Values != null);
        second.ExitCode.ShouldBe(ExitCodes.Success, second.ToString());
        second.Stdout.ShouldContain("stale: 0, current: 4, failed: 0");
    }

    [Fact]
    public async Task Reseal_ValueBehindYamlAnchor_FailsLoudly_FileUnchanged()
    {
        using var oldKey = TestKeys.Old();
        var yaml = SealedFiles.Yaml(SealedFiles.Seal(oldKey, "ns", "anchored", new Dictionary<string, string> { ["k"] = "v" }));
        var file = _temp.Write("repo/anchored.yaml", yaml.Replace("    k: ", "    k: &sealed ", StringComparison.Ordinal) + "# uses: *sealed\n");
        var before = File.ReadAllBytes(file);

        var result = await _cli.RunAsync("reseal", file, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.PartialFailure, result.ToString());
        result.Stderr.ShouldContain($"error: {file} (document 1): spec.encryptedData.k carries a YAML anchor or tag");
        result.Stderr.Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal)).ShouldBe(1, "one failure, one line");
        File.ReadAllBytes(file).ShouldBe(before);
    }
}
