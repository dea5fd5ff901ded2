using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Cli;

public sealed class KeysCoverageTests : IDisposable
{
    private readonly CliRunner _cli = new() { Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)) };
    private readonly TempDirectory _temp = new();
    private readonly string _keys;
    private readonly string _repo;
    private readonly string _oldFingerprint;
    private readonly string _newFingerprint;
    private readonly string _foreignFingerprint;

    public KeysCoverageTests()
    {
        _keys = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(_keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        using var foreign = new KeyGenerator(TimeProvider.System).Generate("foreign", 2048);
        _oldFingerprint = oldKey.Fingerprint;
        _newFingerprint = newKey.Fingerprint;
        _foreignFingerprint = foreign.Fingerprint;
        var values = new Dictionary<string, string> { ["k"] = "v" };
        _repo = Path.Combine(_temp.Path, "repo");
        _temp.Write("repo/a.yaml", SealedFiles.Yaml(SealedFiles.Seal(oldKey, "ns", "old-1", values)) + "---\n" + SealedFiles.Yaml(SealedFiles.Seal(oldKey, "ns", "old-2", values)));
        _temp.Write("repo/b/new.json", SealedFiles.Json(SealedFiles.Seal(newKey, "ns", "new-1", values)));
        _temp.Write("repo/b/bare.yaml", SealedFiles.Yaml(SealedFiles.Seal(oldKey, "ns", "old-bare", values, annotate: false)));
        _temp.Write("repo/c/foreign.yaml", SealedFiles.Yaml(SealedFiles.Seal(foreign, "ns", "foreign", values)));
        _temp.Write("repo/c/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, int> CountsByFingerprint(JsonNode report) =>
        report["keys"]!.AsArray().ToDictionary(k => k!["fingerprint"]!.GetValue<string>(), k => k!["manifests"]!.GetValue<int>());

    [Fact]
    public async Task Coverage_WithPrivateKeys_FindsEveryKeyByTrial()
    {
        var result = await _cli.RunAsync("keys", "coverage", _repo, "--keys", _keys, "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var report = JsonNode.Parse(result.Stdout)!;
        CountsByFingerprint(report).ShouldBe(new Dictionary<string, int> { [_oldFingerprint] = 3, [_newFingerprint] = 1 }, ignoreOrder: true);
        report["manifests"]!.AsArray().Count.ShouldBe(5);
        report["manifests"]!.AsArray().Where(m => m!["key"] is not null).ShouldAllBe(m => m!["method"]!.GetValue<string>() == "trial");
        var unknown = report["unknown"]!.AsArray().Single()!;
        unknown["name"]!.GetValue<string>().ShouldBe("ns/foreign");
        unknown["annotation"]!.GetValue<string>().ShouldBe(_foreignFingerprint);
        var oldKey = report["keys"]!.AsArray().Single(k => k!["fingerprint"]!.GetValue<string>() == _oldFingerprint)!;
        oldKey["ageDays"]!.GetValue<int>().ShouldBe(699, "2025-01-01 to 2026-12-01");
        oldKey["newest"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task Coverage_WithCertificatesOnly_UsesTheAnnotation()
    {
        var result = await _cli.RunAsync("keys", "coverage", _repo, "--cert", Path.Combine(_keys, "old.crt"), "--cert", Path.Combine(_keys, "new.crt"), "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var report = JsonNode.Parse(result.Stdout)!;
        CountsByFingerprint(report).ShouldBe(new Dictionary<string, int> { [_oldFingerprint] = 2, [_newFingerprint] = 1 }, ignoreOrder: true);
        report["unknown"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()).Order().ShouldBe(["ns/foreign", "ns/old-bare"]);
        report["manifests"]!.AsArray().Where(m => m!["key"] is not null).ShouldAllBe(m => m!["method"]!.GetValue<string>() == "annotation");
    }

    [Fact]
    public async Task Coverage_TextTable_ListsManifestsKeysAndUnknown()
    {
        var result = await _cli.RunAsync("keys", "coverage", _repo, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("MANIFEST");
        result.Stdout.ShouldContain(_oldFingerprint[..12]);
        result.Stdout.ShouldContain("newest (seals)");
        result.Stdout.ShouldContain("5 SealedSecrets, 2 keys, 1 sealed by an unknown key");
        result.Stdout.ShouldContain($"unknown key: {Path.Combine(_repo, "c", "foreign.yaml")} (document 1): SealedSecret ns/foreign (annotation names {_foreignFingerprint[..12]})");
    }

    [Fact]
    public async Task Coverage_AfterReseal_OldKeyHasNoManifests()
    {
        File.Delete(Path.Combine(_repo, "c", "foreign.yaml"));
        (await _cli.RunAsync("reseal", _repo, "--keys", _keys)).ExitCode.ShouldBe(ExitCodes.Success);

        var result = await _cli.RunAsync("keys", "coverage", _repo, "--cert", Path.Combine(_keys, "old.crt") + "," + Path.Combine(_keys, "new.crt"), "-o", "json");

        CountsByFingerprint(JsonNode.Parse(result.Stdout)!).ShouldBe(new Dictionary<string, int> { [_oldFingerprint] = 0, [_newFingerprint] = 4 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Coverage_WithoutKeys_IsUsageError()
    {
        var result = await _cli.RunAsync("keys", "coverage", _repo);

        result.ExitCode.ShouldBe(ExitCodes.Usage);
    }
}
