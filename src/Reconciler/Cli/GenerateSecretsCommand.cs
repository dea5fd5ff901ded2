using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

public sealed record GenerateSecretsArguments(
    string? Spec,
    string? Output,
    ManifestFormat Format,
    string? Cert,
    IReadOnlyList<string> Keys,
    string? GitPrivateKeyFile,
    string? DockerUser,
    string? DockerPasswordFile,
    string? DockerServer,
    string DockerSecretName,
    string DockerSecretNamespace);

/// <summary>
/// <c>generate-secrets</c>: seal a set of Secrets in one step into one manifest file, from a spec file
/// and/or WKP-style flags (a git deploy key, Docker Hub credentials). Output is ordered by namespace and
/// name with keys sorted, so only the ciphertext differs between runs.
/// </summary>
public sealed class GenerateSecretsCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public const string GitSecretName = "flux-git-deploy";
    public const string GitSecretNamespace = "flux-system";

    private readonly Option<string?> _spec = new("--spec", "-f") { Description = "Spec file: Secrets with name, namespace, type, scope, labels, annotations and per-key sources" };
    private readonly Option<string?> _output = shared.OutputFile("Write the sealed manifests here, atomically (default: standard output)");
    private readonly Option<string> _format = shared.Format("yaml");
    private readonly Option<string?> _sealedSecretsCert = new("--sealed-secrets-cert") { Description = "Certificate to seal with (same as --cert)" };
    private readonly Option<string?> _cert = shared.Cert();
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string?> _gitPrivateKeyFile = new("--git-private-key-file") { Description = $"SSH private key for git: sealed as ssh-auth Secret {GitSecretNamespace}/{GitSecretName}" };
    private readonly Option<string?> _dockerUser = new("--docker-io-user") { Description = "Registry user: with --docker-io-password-file, sealed as a docker-registry Secret" };
    private readonly Option<string?> _dockerPasswordFile = new("--docker-io-password-file") { Description = "File holding the registry password (a trailing newline is dropped)" };
    private readonly Option<string?> _dockerServer = new("--docker-server") { Description = $"Registry server (default {TypedSecrets.DefaultDockerServer})" };
    private readonly Option<string> _dockerSecretName = new("--docker-secret-name") { Description = "Name of the docker-registry Secret", DefaultValueFactory = _ => "docker-io-credentials" };
    private readonly Option<string> _dockerSecretNamespace = new("--docker-secret-namespace") { Description = "Namespace of the docker-registry Secret", DefaultValueFactory = _ => GitSecretNamespace };

    public override Command Build()
    {
        var command = new Command("generate-secrets", "Seal Secrets from a spec file and/or flags into one manifest file")
        {
            _spec, _output, _format, _sealedSecretsCert, _cert, _keys, _gitPrivateKeyFile, _dockerUser, _dockerPasswordFile, _dockerServer, _dockerSecretName, _dockerSecretNamespace,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private GenerateSecretsArguments Parse(ParseResult parse)
    {
        var certs = new[] { parse.GetValue(_sealedSecretsCert), parse.GetValue(_cert) }.OfType<string>().Distinct().ToList();
        var keys = SharedOptions.SplitList(parse.GetValue(_keys));
        if (certs.Count + (keys.Count > 0 ? 1 : 0) != 1)
        {
            throw new UsageException("give one certificate to seal with: --sealed-secrets-cert FILE, --cert FILE|URL or --keys DIR");
        }

        return new GenerateSecretsArguments(
            parse.GetValue(_spec),
            parse.GetValue(_output),
            ManifestFormats.TryParse(parse.GetValue(_format), out var format) ? format : throw new UsageException($"--format: \"{parse.GetValue(_format)}\" is not json or yaml"),
            certs.FirstOrDefault(),
            keys,
            parse.GetValue(_gitPrivateKeyFile),
            parse.GetValue(_dockerUser),
            parse.GetValue(_dockerPasswordFile),
            parse.GetValue(_dockerServer),
            parse.GetValue(_dockerSecretName)!,
            parse.GetValue(_dockerSecretNamespace)!);
    }

    private async Task<int> RunAsync(GenerateSecretsArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var secrets = new List<SpecSecret>();
        if (args.Spec is not null)
        {
            secrets.AddRange(SecretSpecReader.Read(args.Spec, Host.GetEnvironmentVariable));
        }

        secrets.AddRange(FromFlags(args));
        if (secrets.Count == 0)
        {
            throw new UsageException("nothing to generate: give --spec FILE and/or --git-private-key-file, --docker-io-user with --docker-io-password-file");
        }

        foreach (var duplicate in secrets.GroupBy(s => (s.Secret.Metadata.Namespace, s.Secret.Metadata.Name)).Where(g => g.Count() > 1))
        {
            throw new InputException($"Secret {duplicate.First().Secret.Metadata.QualifiedName} is defined twice: {string.Join(" and ", duplicate.Select(s => s.Origin))}");
        }

        foreach (var spec in secrets)
        {
            var problems = SecretValidator.Validate(spec.Secret);
            if (problems.Count > 0)
            {
                throw new InputException($"{spec.Origin}: {string.Join("; ", problems)}");
            }
        }

        using var ring = args.Keys.Count > 0 ? KeyRingLoader.Load(args.Keys, Host.Error) : null;
        using var loaded = args.Cert is null ? null : await Get<CertificateLoader>(services).LoadAsync(args.Cert, cancellationToken);
        var key = loaded ?? ring?.Newest ?? throw new InputException("no key with a certificate in --keys");
        if (ring is not null)
        {
            Get<CertificateLoader>(services).EnsureValid(key, key.Name);
        }

        var sealer = Get<Sealer>(services);
        var documents = secrets
            .OrderBy(s => s.Secret.Metadata.Namespace ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(s => s.Secret.Metadata.Name, StringComparer.Ordinal)
            .Select(s =>
            {
                SealingScopes.TryParse(s.Scope, out var scope);
                return (JsonNode)SealedSecretManifest.ToNode(sealer.Seal(s.Secret, key, scope));
            })
            .ToList();
        await new CommandIO(Host).WriteAsync(args.Output, ManifestFormats.Write(documents, args.Format));
        if (args.Output is not null && args.Output != CommandIO.StandardStream)
        {
            await Host.Error.WriteLineAsync($"sealed {Plural.Of(documents.Count, "Secret")} to {args.Output} with key {key.ShortFingerprint}");
        }

        return ExitCodes.Success;
    }

    private static IEnumerable<SpecSecret> FromFlags(GenerateSecretsArguments args)
    {
        if (args.GitPrivateKeyFile is not null)
        {
            yield return new SpecSecret(TypedSecrets.SshAuth(GitSecretName, GitSecretNamespace, args.GitPrivateKeyFile, null), "strict", "--git-private-key-file");
        }

        if ((args.DockerUser is null) != (args.DockerPasswordFile is null))
        {
            throw new UsageException("--docker-io-user and --docker-io-password-file go together");
        }

        if (args.DockerUser is not null)
        {
            if (!File.Exists(args.DockerPasswordFile))
            {
                throw new InputException($"--docker-io-password-file: {args.DockerPasswordFile}: no such file");
            }

            var password = Encoding.UTF8.GetString(BoundedInput.ReadFile(args.DockerPasswordFile!)).TrimEnd('\r', '\n');
            yield return new SpecSecret(TypedSecrets.DockerRegistry(args.DockerSecretName, args.DockerSecretNamespace, args.DockerServer, args.DockerUser, password, null), "strict", "--docker-io-user");
        }
    }
}
