using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared access add|remove FILE --verbs get --user alice --team payments …</c>: edits
/// <c>spec.access</c> (<see cref="AccessEditor"/>). The rewriter edits strings only, not lists, so the
/// SharedSecret's document is written again in the shape <c>shared create</c> writes (its comments are
/// not kept); the sealed values are copied as they were, and the file's other documents are kept as parsed.
/// </summary>
public sealed class SharedAccessCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public override Command Build() => new("access", "Grant or revoke verbs on a SharedSecret for users, teams, groups and service accounts")
    {
        Subcommand(add: true),
        Subcommand(add: false),
    };

    private Command Subcommand(bool add)
    {
        var file = new Argument<string>("FILE") { Description = "The SharedSecret file, edited in place" };
        var name = new Option<string?>("--name") { Description = "Which SharedSecret of the file (NAME or NAMESPACE/NAME), when it holds several" };
        var access = new AccessOptions();
        var command = add
            ? new Command("add", "Give the subjects these verbs on the secret (--verbs required)") { file, name }
            : new Command("remove", "Take these verbs (all without --verbs) from the subjects") { file, name };
        foreach (var option in access.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(Handler(async (parse, _, _) =>
        {
            var change = access.Resolve(parse, verbsRequired: add) ?? throw new UsageException("name at least one --user, --team, --group or --service-account");
            var path = parse.GetValue(file)!;
            var opened = SharedSecretFile.Open(path, parse.GetValue(name));
            var rules = opened.EditAccess(change, add);
            await Host.Error.WriteLineAsync($"{TerminalText.Escape(path)}: access of SharedSecret {TerminalText.Escape(opened.Secret.HomeNamespace)}/{TerminalText.Escape(opened.Secret.Name)} now has {Plural.Of(rules.Count, "rule")}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
