using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// Progress of long runs without a terminal (tests, CI, pipes): plain lines on standard error at every
/// tenth, standard output left to the report. The terminal bar is Spectre.Console's, chosen by the host.
/// </summary>
public sealed class ProgressDisplayTests : IDisposable
{
    private const int Files = 110;
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();
    private readonly string _keys;
    private readonly string _repo;

    public ProgressDisplayTests()
    {
        _keys = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(_keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        _repo = Path.Combine(_temp.Path, "repo");
        using var key = TestKeys.New();
        for (var i = 1; i <= Files; i++)
        {
            _temp.Write($"repo/s{i:D3}.yaml", SealedFiles.Yaml(SealedFiles.Seal(key, "ns", $"s{i:D3}", new Dictionary<string, string> { ["k"] = "v" })));
        }
    }

    public void Dispose() => _temp.Dispose();

    private static string Tenths(string title, string unit) =>
        string.Concat(Enumerable.Range(1, 10).Select(tenth => $"{title}: {Files * tenth / 10}/{Files} {unit}\n"));

    [Fact]
    public async Task KeysCoverage_ManyFilesWithoutATerminal_PlainLinesOnStderr()
    {
        var result = await _cli.RunAsync("keys", "coverage", _repo, "--cert", Path.Combine(_keys, "new.crt"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stderr.ShouldBe(Tenths("keys coverage", "files"), "one plain line per tenth, in order");
        result.Stdout.ShouldContain($"{Files} SealedSecrets, 1 key, 0 sealed by an unknown key");
        result.Stdout.ShouldNotContain("/110 files");
    }

    [Fact]
    public async Task Reseal_ManyFilesWithoutATerminal_PlainLinesOnStderr()
    {
        var result = await _cli.RunAsync("reseal", "--check", _repo, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stderr.ShouldBe(Tenths("reseal", "files"), "one plain line per tenth, in order");
        result.Stdout.ShouldNotContain("/110 files");
    }

    [Fact]
    public async Task Coverage_OneFile_PluralisesAndPrintsNoProgress()
    {
        var result = await _cli.RunAsync("keys", "coverage", Path.Combine(_repo, "s001.yaml"), "--cert", Path.Combine(_keys, "new.crt"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stderr.ShouldBeEmpty();
        result.Stdout.ShouldContain("1 SealedSecret, 1 key, 0 sealed by an unknown key");
    }

    [Fact]
    public async Task KeysCoverage_OnATerminal_LiveBarOnStderrAndTheSameReport()
    {
        var plain = await _cli.RunAsync("keys", "coverage", _repo, "--cert", Path.Combine(_keys, "new.crt"));
        var terminal = await new CliRunner { ErrorIsTerminal = true }.RunAsync("keys", "coverage", _repo, "--cert", Path.Combine(_keys, "new.crt"));

        terminal.ExitCode.ShouldBe(ExitCodes.Success, terminal.ToString());
        terminal.Stdout.ShouldBe(plain.Stdout, "progress never reaches standard output");
        terminal.Stderr.ShouldContain("\u001b[?25l", Case.Sensitive, "the live display (cursor hidden while it draws) is on standard error");
        terminal.Stderr.ShouldNotContain("keys coverage: 11/110 files", Case.Sensitive, "a terminal gets the live bar, not plain lines");
    }
}
