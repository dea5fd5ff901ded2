using System.CommandLine;

namespace GitOpsSecrets.Cli;

/// <summary>The <c>gitops-secrets</c> command line: builds the command tree and runs one invocation.</summary>
public static class CliApp
{
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
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command.Build());
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken)
    {
        var root = BuildRoot(host);
        var parse = root.Parse(args);
        if (parse.Errors.Count == 0)
        {
            var withDefaults = EnvironmentDefaults.Apply(parse, host.GetEnvironmentVariable, args);
            parse = withDefaults.Length == args.Length ? parse : root.Parse(withDefaults);
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync($"error: {error.Message}");
            }

            await host.Error.WriteLineAsync($"Run '{root.Name} {string.Join(' ', CommandPath(parse))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration { Output = host.Out, Error = host.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is not null; result = (System.CommandLine.Parsing.CommandResult)result.Parent)
        {
            names.Insert(0, result.Command.Name);
            if (result.Parent is not System.CommandLine.Parsing.CommandResult)
            {
                break;
            }
        }

        return names;
    }
}
