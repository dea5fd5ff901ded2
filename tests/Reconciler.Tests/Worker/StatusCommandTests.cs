using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Worker;

public sealed class StatusCommandTests
{
    [Fact]
    public async Task Status_AgainstARunningWorker_PrintsTheTableAndTheJson()
    {
        await using var worker = await WorkerFixture.StartAsync(
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));
        await worker.WaitForSyncsAsync(1);
        var cli = new CliRunner();

        var table = await cli.RunAsync("status", "--url", worker.BaseUrl);
        var json = await cli.RunAsync("status", "--url", worker.BaseUrl, "-o", "json");

        table.ExitCode.ShouldBe(ExitCodes.Success, table.ToString());
        table.Stdout.ShouldContain("leader, ready");
        table.Stdout.ShouldContain("success, revision main@sha1:c1");
        table.Stdout.ShouldMatch(@"(?m)^memory\s+main@sha1:c1\s+main@sha1:c1\s+1\s+0\s+0\s+0\s+0\s+0\s*$");
        json.ExitCode.ShouldBe(ExitCodes.Success, json.ToString());
        JsonNode.Parse(json.Stdout)!["targets"]![0]!["lastAppliedRevision"]!.GetValue<string>().ShouldBe("main@sha1:c1");
        (table.All + json.All).ShouldNotContain(WorkerFixture.PlantedValue);
    }

    [Fact]
    public async Task Status_NothingListening_OneLineErrorAndSourceUnavailable()
    {
        using var nothingListening = new RefusingPort();

        var result = await new CliRunner().RunAsync("status", "--url", nothingListening.Url);

        result.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, result.ToString());
        result.Stderr.ShouldStartWith("error: cannot reach the worker at http://127.0.0.1:");
        result.Stderr.Trim().Split('\n').Length.ShouldBe(1);
    }

    [Fact]
    public async Task Run_BadListenAddress_UsageError()
    {
        using var keys = new TempDirectory();
        using var out_ = new TempDirectory();

        var result = await new CliRunner().RunAsync("run", "--repo", keys.Path, "--keys", keys.Path, "--target", $"directory:{out_.Path}", "--listen", "not-a-url");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("--listen");
    }

    [Fact]
    public async Task Run_Help_ListsSyncFlagsAndItsOwn()
    {
        var result = await new CliRunner().RunAsync("run", "--help");

        foreach (var flag in new[] { "--repo", "--keys", "--target", "--interval", "--key-renew-period", "--key-cutoff-time", "--leader-elect", "--listen", "--lease-name", "--lease-namespace", "--sync-hook-token-file" })
        {
            result.Stdout.ShouldContain(flag);
        }
    }
}
