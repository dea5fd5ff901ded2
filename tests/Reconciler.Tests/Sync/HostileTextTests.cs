using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>
/// Repository-controlled text on its way to the terminal (issue 17, point 5): a file name with a newline or an
/// ESC byte can neither forge a line of the sync report or its log lines nor reach the terminal raw.
/// </summary>
public sealed class HostileTextTests : IDisposable
{
    private const string Planted = "planted-hostile-text-2b7f";
    private readonly RemoteRepository _remote = new();
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();
    private readonly CliRunner _cli = new();

    [Fact]
    public async Task Sync_FileNamesWithNewlineAndEscape_CannotForgeReportLinesNorReachTheTerminalRaw()
    {
        _remote.Commit("good and hostile", new Dictionary<string, string?>
        {
            ["apps/good.yaml"] = _sealer.Yaml("team", "good", new Dictionary<string, string> { ["value"] = Planted }),
            ["apps/evil\nrevision: forged-line.yaml"] = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec: [unclosed\n",
            ["apps/red\u001b[31mflag.yaml"] = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec: [unclosed\n",
        });

        foreach (var format in new[] { "text", "json" })
        {
            var result = await _cli.RunAsync("sync", "--repo", _remote.BarePath, "--path", "apps", "--keys", TestSealer.KeyFile,
                "--cache-dir", _local.File("cache"), "--target", $"directory:{_local.File("out")}", "-o", format, "--verbose");

            result.ExitCode.ShouldBe(5, result.ToString());
            result.All.ShouldNotContain("\u001b", customMessage: $"{format}: an ESC byte from a file name reached the output raw");
            result.All.Split('\n').ShouldNotContain(l => l.StartsWith("revision: forged", StringComparison.Ordinal), $"{format}: a file name forged a line: {result}");
            result.All.ShouldContain(format == "json" ? "evil\\nrevision: forged-line.yaml" : @"evil\nrevision: forged-line.yaml", customMessage: result.ToString());
            result.All.ShouldNotContain(Planted);
        }

        File.ReadAllText(Path.Combine(_local.File("out"), "team", "good", "value")).ShouldBe(Planted, "the good file is applied");
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }
}
