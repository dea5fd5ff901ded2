using System.CommandLine;
using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared set-key FILE KEY --from-literal VALUE|--from-file PATH</c> seals one value for the shared
/// secret's home namespace and name (its scope) and puts it at <c>spec.encryptedData.KEY</c>;
/// <c>shared remove-key FILE KEY</c> drops that key. Both edit the file in place through the Manifests
/// room's rewriter, as <c>reseal</c> does: every other byte (other keys' ciphertext, comments, other
/// documents) stays as it was.
/// </summary>
public sealed class SharedKeyCommand(CliHost host, SharedOptions shared, bool remove) : CliCommand(host, shared)
{
    private readonly Argument<string> _file = new("FILE") { Description = "The SharedSecret file, edited in place" };
    private readonly Argument<string> _key = new("KEY") { Description = "The data key" };
    private readonly Option<string?> _name = new("--name") { Description = "Which SharedSecret of the file (NAME or NAMESPACE/NAME), when it holds several" };
    private readonly Option<string?> _fromLiteral = new("--from-literal") { Description = "The value itself" };
    private readonly Option<string?> _fromFile = new("--from-file") { Description = "A file holding the value, as-is ('-' or /dev/stdin: standard input)" };
    private readonly Option<string?> _cert = shared.Cert();
    private readonly ControllerOptions _controller = new();

    public override Command Build()
    {
        var command = remove
            ? new Command("remove-key", "Drop one key of a SharedSecret file, in place") { _file, _key, _name }
            : new Command("set-key", "Seal one value into a SharedSecret file (add or replace KEY), in place") { _file, _key, _name, _fromLiteral, _fromFile, _cert };
        if (!remove)
        {
            foreach (var option in _controller.All)
            {
                command.Options.Add(option);
            }
        }

        command.SetAction(Handler(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var path = parse.GetValue(_file)!;
        var key = parse.GetValue(_key)!;
        if (!KubernetesNames.IsValidDataKey(key))
        {
            throw new UsageException($"KEY \"{key}\": {KubernetesNames.DataKeyRule}");
        }

        var file = SharedSecretFile.Open(path, parse.GetValue(_name));
        string verb;
        if (remove)
        {
            file.RemoveKey(key);
            verb = "removed";
        }
        else
        {
            var value = await ValueAsync(parse, cancellationToken);
            using var certificate = await SealingCertificate.LoadAsync(Host, parse.GetValue(_cert), _controller.Resolve(parse), services, cancellationToken);
            var sealedParts = file.Secret.Sealed;
            verb = file.SetKey(key, Get<Sealer>(services).SealRaw(value, certificate, sealedParts.Scope, sealedParts.Metadata.Namespace, sealedParts.Metadata.Name));
        }

        await Host.Error.WriteLineAsync($"{TerminalText.Escape(path)}: {verb} key {TerminalText.Escape(key)} of SharedSecret {TerminalText.Escape(file.Secret.HomeNamespace)}/{TerminalText.Escape(file.Secret.Name)}");
        return ExitCodes.Success;
    }

    private async Task<byte[]> ValueAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var literal = parse.GetValue(_fromLiteral);
        var fromFile = parse.GetValue(_fromFile);
        return (literal, fromFile) switch
        {
            ({ } text, null) => Encoding.UTF8.GetBytes(text),
            (null, { } source) => (await new CommandIO(Host).ReadAsync(source, cancellationToken)).Content,
            (null, null) => throw new UsageException("set-key: give the value with --from-literal VALUE or --from-file PATH"),
            _ => throw new UsageException("--from-literal and --from-file cannot be used together"),
        };
    }
}
