using System.CommandLine;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>create secret generic|docker-registry|tls|basic-auth|ssh-auth NAME</c>: prints a plain Secret,
/// like <c>kubectl create secret … --dry-run=client -o yaml</c>, for piping into <c>seal</c>.
/// </summary>
public sealed class CreateSecretCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public override Command Build()
    {
        var secret = new Command("secret", "Print a Secret built from literals, files or typed inputs (nothing is sent anywhere)")
        {
            Generic(), DockerRegistry(), Tls(), BasicAuth(), SshAuth(),
        };
        return new Command("create", "Create manifests to seal") { secret };
    }

    private Command Generic()
    {
        var parts = new CommonParts(Shared);
        var type = new Option<string?>("--type") { Description = "Secret type (default Opaque)" };
        var fromLiteral = new Option<string[]>("--from-literal") { Description = "key=value (repeatable)" };
        var fromFile = new Option<string[]>("--from-file") { Description = "[key=]path of a file or directory (repeatable)" };
        var fromEnvFile = new Option<string[]>("--from-env-file") { Description = "File of KEY=VALUE lines (repeatable)" };
        var command = parts.Command("generic", "A Secret from literals, files and env files", type, fromLiteral, fromFile, fromEnvFile);
        command.SetAction(Handler((parse, _, _) => PrintAsync(parse, parts, (name, ns) =>
        {
            return new SecretBuilder(name, ns, parse.GetValue(type))
                .AddSources(parse.GetValue(fromLiteral), parse.GetValue(fromFile), parse.GetValue(fromEnvFile), Host.GetEnvironmentVariable)
                .Build();
        })));
        return command;
    }

    private Command DockerRegistry()
    {
        var parts = new CommonParts(Shared);
        var server = new Option<string?>("--docker-server") { Description = $"Registry server (default {TypedSecrets.DefaultDockerServer})" };
        var username = new Option<string?>("--docker-username") { Description = "Registry user name" };
        var password = new Option<string?>("--docker-password") { Description = "Registry password" };
        var email = new Option<string?>("--docker-email") { Description = "Registry email" };
        var command = parts.Command("docker-registry", "A kubernetes.io/dockerconfigjson Secret for one registry", server, username, password, email);
        command.SetAction(Handler((parse, _, _) => PrintAsync(parse, parts, (name, ns) =>
        {
            // Missing flags are a usage error (exit 2), not invalid input.
            if (string.IsNullOrEmpty(parse.GetValue(username)) || string.IsNullOrEmpty(parse.GetValue(password)))
            {
                throw new UsageException("docker-registry: --docker-username and --docker-password are required");
            }

            return TypedSecrets.DockerRegistry(name, ns, parse.GetValue(server), parse.GetValue(username)!, parse.GetValue(password)!, parse.GetValue(email));
        })));
        return command;
    }

    private Command Tls()
    {
        var parts = new CommonParts(Shared);
        var cert = new Option<string>("--cert") { Description = "PEM certificate file", Required = true };
        var key = new Option<string>("--key") { Description = "PEM private key file (must match the certificate)", Required = true };
        var command = parts.Command("tls", "A kubernetes.io/tls Secret from a matching certificate and key", cert, key);
        command.SetAction(Handler((parse, _, _) => PrintAsync(parse, parts, (name, ns) => TypedSecrets.Tls(name, ns, parse.GetValue(cert)!, parse.GetValue(key)!))));
        return command;
    }

    private Command BasicAuth()
    {
        var parts = new CommonParts(Shared);
        var username = new Option<string?>("--username") { Description = "User name" };
        var password = new Option<string?>("--password") { Description = "Password" };
        var command = parts.Command("basic-auth", "A kubernetes.io/basic-auth Secret", username, password);
        command.SetAction(Handler((parse, _, _) => PrintAsync(parse, parts, (name, ns) =>
            string.IsNullOrEmpty(parse.GetValue(username)) && string.IsNullOrEmpty(parse.GetValue(password))
                ? throw new UsageException("basic-auth: --username or --password is required")
                : TypedSecrets.BasicAuth(name, ns, parse.GetValue(username), parse.GetValue(password)))));
        return command;
    }

    private Command SshAuth()
    {
        var parts = new CommonParts(Shared);
        var privateKey = new Option<string>("--ssh-privatekey") { Description = "SSH private key file", Required = true };
        var knownHosts = new Option<string?>("--known-hosts") { Description = "known_hosts file to include (as Flux's git sources expect)" };
        var command = parts.Command("ssh-auth", "A kubernetes.io/ssh-auth Secret", privateKey, knownHosts);
        command.SetAction(Handler((parse, _, _) => PrintAsync(parse, parts, (name, ns) => TypedSecrets.SshAuth(name, ns, parse.GetValue(privateKey)!, parse.GetValue(knownHosts)))));
        return command;
    }

    private async Task<int> PrintAsync(ParseResult parse, CommonParts parts, Func<string, string?, Secret> build)
    {
        var formatText = parse.GetValue(parts.Format);
        if (!ManifestFormats.TryParse(formatText, out var format))
        {
            throw new UsageException($"--format: \"{formatText}\" is not json or yaml");
        }

        var secret = build(parse.GetValue(parts.Name)!, parse.GetValue(parts.Namespace));
        if (parse.GetValue(parts.AppendHash))
        {
            secret = NameHashSuffix.Apply(secret);
        }

        var problems = SecretValidator.Validate(secret);
        if (problems.Count > 0)
        {
            throw new InputException($"Secret {secret.Metadata.QualifiedName}: {string.Join("; ", problems)}");
        }

        var document = SecretManifest.ToNode(secret);
        await Host.Out.WriteAsync(format == ManifestFormat.Json ? ManifestWriter.ToJson(document) : ManifestWriter.ToYaml(document));
        return ExitCodes.Success;
    }

    /// <summary>What every <c>create secret</c> subcommand takes: the name, namespace, format and hash suffix.</summary>
    private sealed class CommonParts(SharedOptions shared)
    {
        public Argument<string> Name { get; } = new("name") { Description = "Name of the Secret" };

        public Option<string?> Namespace { get; } = shared.Namespace();

        public Option<string> Format { get; } = shared.Format("yaml");

        public Option<bool> AppendHash { get; } = new("--append-hash") { Description = "Append a hash of the content to the name" };

        public Command Command(string name, string description, params Option[] options)
        {
            var command = new Command(name, description) { Name, Namespace, Format, AppendHash };
            foreach (var option in options)
            {
                command.Options.Add(option);
            }

            return command;
        }
    }
}
