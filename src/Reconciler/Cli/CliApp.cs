using System.CommandLine;

namespace GitOpsSecrets.Cli;

/// <summary>The <c>gitops-secrets</c> command line: builds the command tree and runs one invocation.</summary>
public static class CliApp
{
    public const string Name = "gitops-secrets";

    /// <summary>Our command tree, or kubeseal's root when the program runs as <c>kubeseal</c>.</summary>
    public static Command BuildRoot(CliHost host) =>
        KubesealAlias.Matches(host.InvocationName) ? KubesealAlias.BuildRoot(host, new SharedOptions()) : BuildOwnRoot(host);

    private static RootCommand BuildOwnRoot(CliHost host)
    {
        var shared = new SharedOptions();
        var root = new RootCommand("GitOps Secrets: kubeseal-compatible sealed Secrets, synced from git to clusters and directories.")
        {
            shared.Verbose,
            shared.CryptoEngine,
        };
        CliCommand[] commands =
        [
            new SealCommand(host, shared),
            new UnsealCommand(host, shared),
            new ValidateCommand(host, shared),
            new KeysCommand(host, shared),
            new CreateSecretCommand(host, shared),
            new SyncCommand(host, shared, plan: false),
            new SyncCommand(host, shared, plan: true),
            new RunCommand(host, shared),
            new StatusCommand(host, shared),
            new ResealCommand(host, shared),
            new GenerateSecretsCommand(host, shared),
            new UiCommand(host, shared),
            new RegistryCommand(host, shared),
            new SharedCommand(host, shared),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command.Build());
        }

        return root;
    }

    /// <summary>
    /// Runs one invocation. <c>help [COMMAND]</c> is <c>[COMMAND] --help</c>; a command that only groups
    /// others (no arguments at all, or <c>keys</c> alone) prints its command list on standard error and
    /// exits 2; parse errors are one line each, the first unknown word only.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken)
    {
        var root = BuildRoot(host);
        if (args is ["help", .. var topic])
        {
            args = [.. topic, "--help"];
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count == 0)
        {
            var withDefaults = EnvironmentDefaults.Apply(parse, host.GetEnvironmentVariable, args);
            parse = withDefaults.Length == args.Length ? parse : root.Parse(withDefaults);
        }

        if (parse.UnmatchedTokens.Count == 0 && (parse.Action is null || parse.Errors.Count > 0) && parse.CommandResult.Command is { Action: null, Subcommands.Count: > 0 })
        {
            await host.Error.WriteLineAsync($"error: '{UsageErrors.CommandLine(parse.CommandResult)}' needs a command:");
            await WriteHelpAsync(root, parse, host.Error, cancellationToken);
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var line in UsageErrors.Describe(parse))
            {
                await host.Error.WriteLineAsync(line);
            }

            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { Output = host.Out, Error = host.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    private static async Task WriteHelpAsync(Command root, ParseResult parse, TextWriter writer, CancellationToken cancellationToken)
    {
        var path = UsageErrors.CommandLine(parse.CommandResult).Split(' ').Skip(1);
        var help = root.Parse([.. path, "--help"]);
        await help.InvokeAsync(new InvocationConfiguration { Output = writer, Error = writer }, cancellationToken);
    }
}
