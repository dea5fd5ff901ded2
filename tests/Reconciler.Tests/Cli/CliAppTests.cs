using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>The command line as a whole: help, a missing command, and mistyped words.</summary>
public sealed class CliAppTests
{
    private static readonly string[] Commands = ["seal", "unseal", "validate", "keys", "create", "sync", "plan", "run", "status", "reseal", "generate-secrets"];
    private readonly CliRunner _cli = new();

    [Fact]
    public async Task Help_AsACommand_PrintsTheCommandListAndSucceeds()
    {
        var result = await _cli.RunAsync("help");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        foreach (var command in Commands)
        {
            result.Stdout.ShouldMatch($@"\n  (\S+, )?{command}\s", $"'help' lists {command}");
        }

        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Help_WithACommand_PrintsThatCommandsHelp()
    {
        var result = await _cli.RunAsync("help", "keys", "export");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain(" keys export [options]");
        result.Stdout.ShouldContain("--output-file");
    }

    [Fact]
    public async Task NoArguments_ShowsTheCommandListOnStderr_UsageExit()
    {
        var result = await _cli.RunAsync();

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stdout.ShouldBeEmpty("usage errors never go to standard output");
        result.Stderr.ShouldStartWith("error: 'gitops-secrets' needs a command:\n");
        foreach (var command in Commands)
        {
            result.Stderr.ShouldMatch($@"\n  (\S+, )?{command}\s", $"no arguments lists {command}");
        }
    }

    [Fact]
    public async Task GroupCommand_WithoutSubcommand_ListsItsSubcommands()
    {
        var result = await _cli.RunAsync("keys");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldStartWith("error: 'gitops-secrets keys' needs a command:\n");
        result.Stderr.ShouldContain("  export");
        result.Stderr.ShouldContain("  coverage");
    }

    [Fact]
    public async Task UnknownFlag_FollowedByWords_OneLineWithDidYouMean()
    {
        var result = await _cli.RunAsync("sync", "--pth", "clusters/production", "extra", "words");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.ShouldBe("error: unknown option '--pth' for 'gitops-secrets sync' (did you mean '--path'?); see 'gitops-secrets sync --help'\n");
    }

    [Fact]
    public async Task UnknownFlag_NothingClose_OneLineWithoutSuggestion()
    {
        var result = await _cli.RunAsync("seal", "--completely-unrelated-flag", "x");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: unknown option '--completely-unrelated-flag' for 'gitops-secrets seal'; see 'gitops-secrets seal --help'\n");
    }

    [Fact]
    public async Task UnknownCommand_SuggestsTheNearestCommand()
    {
        var result = await _cli.RunAsync("reseel", "--check");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: unknown command or argument 'reseel' for 'gitops-secrets' (did you mean 'reseal'?); see 'gitops-secrets --help'\n");
    }

    [Fact]
    public async Task RecursiveFlag_Mistyped_SuggestsTheInheritedOption()
    {
        var result = await _cli.RunAsync("keys", "cert", "--verbos");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("(did you mean '--verbose'?)");
        result.Stderr.Trim().Split('\n').Length.ShouldBe(1, result.Stderr);
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("plan")]
    [InlineData("status")]
    [InlineData("reseal")]
    [InlineData("keys coverage")]
    [InlineData("seal")]
    [InlineData("unseal")]
    [InlineData("create secret generic")]
    [InlineData("keys generate")]
    [InlineData("keys export")]
    [InlineData("generate-secrets")]
    public async Task DashO_InEveryCommand_IsTheFormat(string command)
    {
        var result = await _cli.RunAsync([.. command.Split(' '), "--help"]);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var line = result.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("-o,", StringComparison.Ordinal));
        line.ShouldContain("--format", Case.Sensitive, $"{command}: -o is the output format");
        line.ShouldMatch(@"<(json\|yaml|text\|json)>", $"{command}: -o takes a format, never a file");
    }
}
