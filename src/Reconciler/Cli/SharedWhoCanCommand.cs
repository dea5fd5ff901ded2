using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared who-can NS/NAME VERB --repo DIR</c>: which users, groups and service accounts the
/// repository's SharedSecrets let use VERB on Secret NAME in namespace NS (teams expanded), like
/// <c>kubectl auth can-i</c> asked the other way round, from the manifests rather than the cluster.
/// </summary>
public sealed class SharedWhoCanCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string> _secret = new("NAMESPACE/NAME") { Description = "The Secret, in the namespace asked about" };
    private readonly Argument<string> _verb = new("VERB") { Description = $"One of {string.Join(", ", AccessRule.AllowedVerbs)}" };
    private readonly Option<string> _repo = new("--repo") { Description = "The repository (a directory) whose manifests answer", DefaultValueFactory = _ => "." };

    public override Command Build()
    {
        var command = new Command("who-can", "List who the repository's SharedSecrets let use VERB on a Secret (teams expanded)") { _secret, _verb, _repo };
        command.SetAction(Handler(async (parse, _, _) =>
        {
            var text = parse.GetValue(_secret)!;
            var parts = text.Split('/');
            if (parts is not [{ Length: > 0 } ns, { Length: > 0 } name])
            {
                throw new UsageException($"\"{text}\" is not NAMESPACE/NAME");
            }

            var verb = parse.GetValue(_verb)!;
            if (!AccessRule.AllowedVerbs.Contains(verb, StringComparer.Ordinal))
            {
                throw new UsageException($"VERB \"{verb}\": expected one of {string.Join(", ", AccessRule.AllowedVerbs)} (the verbs a Role can grant on one Secret by name)");
            }

            var repo = parse.GetValue(_repo)!;
            if (!Directory.Exists(repo))
            {
                throw new InputException($"--repo {repo}: no such directory");
            }

            var snapshot = SharingRepository.Read(repo);
            foreach (var problem in snapshot.Problems)
            {
                await Host.Error.WriteLineAsync($"warning: {TerminalText.Escape(problem)}");
            }

            await PrintAsync(WhoCan.Answer(snapshot, ns, name, verb), $"{ns}/{name}", verb);
            return ExitCodes.Success;
        }));
        return command;
    }

    private async Task PrintAsync(IReadOnlyList<Grant> grants, string secret, string verb)
    {
        if (grants.Count == 0)
        {
            await Host.Out.WriteLineAsync($"nobody: no SharedSecret in the repository grants {verb} on secret {TerminalText.Escape(secret)}");
            return;
        }

        var rows = grants.Select(g => (g.Kind, Name: TerminalText.Escape(g.Name), Via: TerminalText.Escape(g.Via) + (g.OnlyIfSelected ? " (if the namespace matches spec.distribute.namespaceSelector)" : string.Empty))).ToList();
        var kindWidth = Math.Max("KIND".Length, rows.Max(r => r.Kind.Length)) + 2;
        var nameWidth = Math.Max("NAME".Length, rows.Max(r => r.Name.Length)) + 2;
        await Host.Out.WriteLineAsync($"{"KIND".PadRight(kindWidth)}{"NAME".PadRight(nameWidth)}VIA");
        foreach (var (kind, name, via) in rows)
        {
            await Host.Out.WriteLineAsync($"{kind.PadRight(kindWidth)}{name.PadRight(nameWidth)}{via}");
        }

        await Host.Error.WriteLineAsync("note: from the repository's SharedSecrets only; RBAC made elsewhere (cluster admins, other Roles) is not seen");
    }
}
