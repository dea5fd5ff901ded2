using System.CommandLine;
using System.Text;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared create NAME -n HOME --from-literal … [--verbs … --user …]</c>: builds the Secret as
/// <c>seal</c> does, seals it strictly for HOME/NAME and writes a SharedSecret with the access given.
/// The result is read back through the SharedSecret reader before it is written, so what this command
/// writes is what the worker accepts.
/// </summary>
public sealed class SharedCreateCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string> _name = new("NAME") { Description = "Name of the shared secret (and of the Secret it makes)" };
    private readonly Option<string?> _namespace = shared.Namespace();
    private readonly Option<string?> _type = new("--type") { Description = "Secret type (default Opaque; kubernetes.io/dockerconfigjson for a pull secret)" };
    private readonly Option<string[]> _fromLiteral = new("--from-literal") { Description = "key=value (repeatable)" };
    private readonly Option<string[]> _fromFile = new("--from-file") { Description = "[key=]path of a file or directory (repeatable)" };
    private readonly Option<string[]> _fromEnvFile = new("--from-env-file") { Description = "File of KEY=VALUE lines (repeatable)" };
    private readonly Option<string[]> _distribute = new("--distribute-to") { Description = "Also put the Secret in these namespaces (spec.distribute.namespaces; repeatable, comma-separated)" };
    private readonly Option<string[]> _imagePull = new("--image-pull-service-account") { Description = "Attach as imagePullSecret to these service accounts ('*': all) in each namespace (repeatable, comma-separated)" };
    private readonly Option<string?> _cert = shared.Cert();
    private readonly Option<string> _format = shared.Format("yaml");
    private readonly Option<string?> _outputFile = shared.OutputFile("Write the SharedSecret to this file atomically (default: standard output)");
    private readonly AccessOptions _access = new();
    private readonly ControllerOptions _controller = new();

    public override Command Build()
    {
        var command = new Command("create", "Seal a Secret built from literals and files into a SharedSecret for NAMESPACE/NAME") { _name };
        Option[] options = [_namespace, _type, _fromLiteral, _fromFile, _fromEnvFile, _distribute, _imagePull, _cert, _format, _outputFile];
        foreach (var option in options.Concat(_access.All).Concat(_controller.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(Handler(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var formatText = parse.GetValue(_format);
        if (!ManifestFormats.TryParse(formatText, out var format))
        {
            throw new UsageException($"--format: \"{formatText}\" is not json or yaml");
        }

        var controller = _controller.Resolve(parse);
        var name = parse.GetValue(_name)!;
        var home = parse.GetValue(_namespace) ?? KubeconfigNamespace.Resolve(Host, controller.Kubeconfig, controller.Context);
        var change = _access.Resolve(parse, verbsRequired: true);
        var secret = BuildSecret(parse, name, home);

        using var key = await SealingCertificate.LoadAsync(Host, parse.GetValue(_cert), controller, services, cancellationToken);
        var sealedParts = Get<Sealer>(services).Seal(secret, key, SealingScope.Strict);
        var imagePull = SharedOptions.SplitList(parse.GetValue(_imagePull));
        var sharedSecret = new SharedSecret
        {
            Sealed = sealedParts,
            Access = change is null ? [] : AccessEditor.Add([], change),
            Distribute = new Distribution { Namespaces = SharedOptions.SplitList(parse.GetValue(_distribute)) },
            ImagePull = imagePull.Count == 0 ? null : new ImagePull { ServiceAccounts = imagePull },
        };
        var output = ManifestFormats.Write([SharedSecretManifest.ToNode(sharedSecret)], format);

        // The worker's own reader decides: a pull-secret attachment on an Opaque secret, a bad namespace, … fail here.
        SharedSecretManifest.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(output), "(shared create)"));
        await new CommandIO(Host).WriteAsync(parse.GetValue(_outputFile), output);
        return ExitCodes.Success;
    }

    private Secret BuildSecret(ParseResult parse, string name, string home)
    {
        var secret = new SecretBuilder(name, home, parse.GetValue(_type))
            .AddSources(parse.GetValue(_fromLiteral), parse.GetValue(_fromFile), parse.GetValue(_fromEnvFile), Host.GetEnvironmentVariable)
            .Build();
        if (secret.Data.Count == 0)
        {
            throw new UsageException("shared create: give the values with --from-literal, --from-file or --from-env-file");
        }

        var problems = SecretValidator.Validate(secret);
        return problems.Count == 0 ? secret : throw new InputException($"Secret {secret.Metadata.QualifiedName}: {string.Join("; ", problems)}");
    }
}
