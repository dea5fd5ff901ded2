using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// <c>sync</c> and <c>plan</c> through the command line with a real git remote (a bare repository) and a
/// real directory target: exit codes from the table, one-line failures, report shapes, progress.
/// </summary>
public sealed class SyncCommandTests : IDisposable
{
    private const string PlantedValue = "sync-cli-planted-7c1f";
    private readonly RemoteRepository _remote = new();
    private readonly CliRunner _cli = new();
    private readonly string _keys;
    private readonly string _target;

    public SyncCommandTests()
    {
        _keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        _target = _remote.Scratch("target");
    }

    public void Dispose() => _remote.Dispose();

    private string[] Args(string command, params string[] more) =>
        [command, "--repo", _remote.BarePath, "--keys", _keys, "--target", $"directory:{_target}", "--cache-dir", _remote.Scratch("cache"), .. more];

    private void CommitSecrets(string folder, int count)
    {
        using var key = TestKeys.New();
        var files = Enumerable.Range(1, count).ToDictionary(
            i => $"{folder}/secret-{i:D3}.yaml",
            i => (string?)SealedFiles.Yaml(SealedFiles.Seal(key, "apps", $"secret-{i:D3}", new Dictionary<string, string> { ["password"] = PlantedValue })));
        _remote.Commit($"add {count} secrets", files);
    }

    [Fact]
    public async Task Sync_RemoteUnreachable_OneErrorLineNoReportSourceExitCode()
    {
        CommitSecrets("clusters/production", 1);
        Directory.Delete(_remote.BarePath, recursive: true);

        var result = await _cli.RunAsync(Args("sync"));

        result.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, result.ToString());
        result.Stdout.ShouldBeEmpty("nothing was read, so there is no report to print");
        var lines = result.Stderr.TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(1, $"the failure is said once:\n{result.Stderr}");
        lines[0].ShouldStartWith($"error: source {_remote.BarePath}");
        lines[0].ShouldEndWith("nothing was changed");
    }

    [Fact]
    public async Task Plan_RemoteUnreachable_JsonReportStillCarriesTheError()
    {
        Directory.Delete(_remote.BarePath, recursive: true);

        var result = await _cli.RunAsync(Args("plan", "-o", "json"));

        result.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, result.ToString());
        JsonNode.Parse(result.Stdout)!["errors"]!.AsArray().Single()!.GetValue<string>().ShouldStartWith("source ");
        result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.Stderr);
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("plan")]
    public async Task Sync_PathMatchesNothing_FailsNamingThePathAndChangesNothing(string command)
    {
        CommitSecrets("clusters/production", 1);
        (await _cli.RunAsync(Args("sync", "--path", "clusters/production"))).ExitCode.ShouldBe(ExitCodes.Success);
        var before = SecretEntries();

        var result = await _cli.RunAsync(Args(command, "--path", "clusters/prodution"));

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.ShouldStartWith("error: path clusters/prodution: not in the repository at ");
        result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.Stderr);
        SecretEntries().ShouldBe(before, "a mistyped path must not prune what the right one applied");
        File.Exists(Path.Combine(_target, "apps", "secret-001", "password")).ShouldBeTrue();
    }

    [Fact]
    public async Task Plan_Report_NumbersDocumentsFromOne()
    {
        using var key = TestKeys.New();
        var values = new Dictionary<string, string> { ["password"] = PlantedValue };
        _remote.Commit("two documents", "apps/both.yaml", SealedFiles.Yaml(SealedFiles.Seal(key, "apps", "first", values)) + "---\n" + SealedFiles.Yaml(SealedFiles.Seal(key, "apps", "second", values)));

        var result = await _cli.RunAsync(Args("plan"));

        result.ExitCode.ShouldBe(ExitCodes.ChangesPending, result.ToString());
        result.Stdout.ShouldContain("apps/first  apps/both.yaml#1", Case.Sensitive, "the first document is document 1, as in every error message");
        result.Stdout.ShouldContain("apps/second  apps/both.yaml#2");
        result.Stdout.ShouldNotContain("#0");
        result.All.ShouldNotContain(PlantedValue);
    }

    [Fact]
    public async Task Sync_ManySecretsWithoutATerminal_PlainProgressLinesOnStderrOnly()
    {
        CommitSecrets("apps", 120);

        var result = await _cli.RunAsync(Args("sync"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var expected = string.Concat(Enumerable.Range(1, 10).Select(tenth => $"sync: {tenth * 12}/120 Secrets\n"));
        result.Stderr.ShouldBe(expected, "one plain line per tenth, in order");
        result.Stdout.ShouldNotContain("sync:", Case.Sensitive, "standard output is the report only");
        result.Stdout.ShouldContain("revision: ");
        result.All.ShouldNotContain(PlantedValue);
        Enumerable.Range(1, 120).Count(i => File.Exists(Path.Combine(_target, "apps", $"secret-{i:D3}", "password"))).ShouldBe(120);
    }

    [Fact]
    public async Task Sync_FewSecrets_NoProgressAtAll()
    {
        CommitSecrets("apps", 3);

        var result = await _cli.RunAsync(Args("sync"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stderr.ShouldBeEmpty();
    }

    /// <summary>Everything under the target's namespace folders (the root's own ..gitops-secrets.* bookkeeping files left out).</summary>
    private string[] SecretEntries() =>
        Directory.GetFileSystemEntries(_target, "*", SearchOption.AllDirectories)
            .Where(e => !Path.GetFileName(Path.GetRelativePath(_target, e)).StartsWith("..gitops-secrets.", StringComparison.Ordinal) || Path.GetRelativePath(_target, e).Contains('/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
