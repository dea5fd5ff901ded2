using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared get FILE|DIR [NAME]</c>: what a SharedSecret holds and who may use it — its key names
/// (never a value, sealed or not), type, access (teams expanded from the repository's Team manifests),
/// distribution and image-pull attachments. Offline, from the files.
/// </summary>
public sealed class SharedGetCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string> _path = new("FILE|DIR") { Description = "A SharedSecret file, or a directory (repository) to search" };
    private readonly Argument<string?> _name = new("NAME") { Description = "NAME or NAMESPACE/NAME (optional when there is only one)", Arity = ArgumentArity.ZeroOrOne };

    public override Command Build()
    {
        var command = new Command("get", "Print a SharedSecret's keys (never values) and access") { _path, _name };
        command.SetAction(Handler(async (parse, _, _) =>
        {
            var path = parse.GetValue(_path)!;
            var name = parse.GetValue(_name);
            var root = Directory.Exists(path) ? path : File.Exists(path) ? SharingRepository.RootOf(path) : throw new InputException($"{path}: no such file or directory");
            var snapshot = SharingRepository.Read(root);
            var matches = Directory.Exists(path)
                ? snapshot.SharedSecrets.Where(s => Matches(s.Secret, name)).ToList()
                : [.. SharingReaderOf(path).Where(s => Matches(s.Secret, name))];
            var shown = matches switch
            {
                [var one] => one,
                [] => throw new InputException($"{path}: no SharedSecret{(name is null ? string.Empty : $" named {name}")}"),
                _ => throw new InputException($"{path}: {matches.Count} SharedSecrets ({string.Join(", ", matches.Select(m => $"{m.Secret.HomeNamespace}/{m.Secret.Name}"))}): name one"),
            };
            foreach (var problem in snapshot.Problems)
            {
                await Host.Error.WriteLineAsync($"warning: {TerminalText.Escape(problem)}");
            }

            await Host.Out.WriteAsync(SharedSecretText.Describe(shown, snapshot.Teams));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static IReadOnlyList<LocatedSharedSecret> SharingReaderOf(string file)
    {
        var found = SharingReader.ReadFile(file, file);
        return found.Errors.Count > 0 ? throw found.Errors[0] : found.SharedSecrets;
    }

    private static bool Matches(SharedSecret secret, string? name) =>
        name is null || secret.Name == name || $"{secret.HomeNamespace}/{secret.Name}" == name;
}
