using System.CommandLine;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

/// <summary>The arguments of one <c>seal</c> invocation.</summary>
public sealed record SealArguments(
    string? SecretFile,
    string? OutputFile,
    ManifestFormat Format,
    string? Cert,
    SealingScope? Scope,
    bool Raw,
    string? Name,
    string? Namespace,
    string? Type,
    IReadOnlyList<string> FromLiteral,
    IReadOnlyList<string> FromFile,
    IReadOnlyList<string> FromEnvFile,
    string? MergeInto,
    bool AllowEmptyData,
    bool AppendHash)
{
    public bool BuildsSecret => FromLiteral.Count + FromFile.Count + FromEnvFile.Count > 0;
}

/// <summary>
/// <c>seal</c>: Secret(s) in, SealedSecret(s) out, using only the public certificate. kubeseal's flags
/// and rules (namespace from the kubeconfig, namespace mismatch, empty data, expired certificate, raw
/// mode, merge-into), plus building the Secret from literals and files in the same step.
/// </summary>
public sealed class SealCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Option<string?> _secretFile = new("--secret-file", "-f") { Description = "Secret manifest(s) to seal (default: standard input)" };
    private readonly Option<string?> _outputFile = new("--sealed-secret-file", "-w") { Description = "Write the output to this file atomically (default: standard output)" };
    private readonly Option<string> _format = shared.Format("json");
    private readonly Option<string?> _cert = shared.Cert();
    private readonly Option<string?> _scope = shared.Scope();
    private readonly Option<bool> _raw = new("--raw") { Description = "Seal one value (from --from-file, or --from-literal) and print only its ciphertext" };
    private readonly Option<string?> _name = new("--name") { Description = "Name of the Secret (with --raw, or when building from --from-*)" };
    private readonly Option<string?> _namespace = shared.Namespace();
    private readonly Option<string?> _type = new("--type") { Description = "Type of a Secret built from --from-* (default Opaque)" };
    private readonly Option<string[]> _fromLiteral = new("--from-literal") { Description = "key=value to put in the Secret (repeatable)" };
    private readonly Option<string[]> _fromFile = new("--from-file") { Description = "[key=]path of a file or directory to put in the Secret (repeatable)" };
    private readonly Option<string[]> _fromEnvFile = new("--from-env-file") { Description = "File of KEY=VALUE lines to put in the Secret (repeatable)" };
    private readonly Option<string?> _mergeInto = new("--merge-into") { Description = "Seal the Secret's values into this existing SealedSecret file, in place" };
    private readonly Option<bool> _allowEmptyData = new("--allow-empty-data") { Description = "Allow a Secret without data" };
    private readonly Option<bool> _appendHash = new("--append-hash") { Description = "Append a hash of the content to the name, like kustomize's secretGenerator" };

    public override Command Build()
    {
        var command = new Command("seal", "Seal a Secret into a SealedSecret with the public certificate")
        {
            _secretFile, _outputFile, _format, _cert, _scope, _raw, _name, _namespace, _type,
            _fromLiteral, _fromFile, _fromEnvFile, _mergeInto, _allowEmptyData, _appendHash,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private SealArguments Parse(ParseResult parse)
    {
        var formatText = parse.GetValue(_format);
        if (!ManifestFormats.TryParse(formatText, out var format))
        {
            throw new UsageException($"--format: \"{formatText}\" is not json or yaml");
        }

        var scopeText = parse.GetValue(_scope);
        SealingScope? scope = null;
        if (scopeText is not null)
        {
            scope = SealingScopes.TryParse(scopeText, out var parsed) ? parsed : throw new UsageException($"--scope: \"{scopeText}\" is not strict, namespace-wide or cluster-wide");
        }

        return new SealArguments(
            parse.GetValue(_secretFile),
            parse.GetValue(_outputFile),
            OutputFormat(parse.GetValue(_outputFile), format, parse.GetResult(_format) is { Implicit: false }),
            parse.GetValue(_cert),
            scope,
            parse.GetValue(_raw),
            parse.GetValue(_name),
            parse.GetValue(_namespace),
            parse.GetValue(_type),
            parse.GetValue(_fromLiteral) ?? [],
            parse.GetValue(_fromFile) ?? [],
            parse.GetValue(_fromEnvFile) ?? [],
            parse.GetValue(_mergeInto),
            parse.GetValue(_allowEmptyData),
            parse.GetValue(_appendHash));
    }

    private async Task<int> RunAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (args.Cert is null)
        {
            throw new UsageException("no certificate to seal with: pass --cert FILE|URL (or set SEALED_SECRETS_CERT)");
        }

        if (args.Raw && args.MergeInto is not null)
        {
            throw new UsageException("--raw and --merge-into cannot be used together");
        }

        using var key = await Get<CertificateLoader>(services).LoadAsync(args.Cert, cancellationToken);
        var sealer = Get<Sealer>(services);
        var io = new CommandIO(Host);
        if (args.Raw)
        {
            return await SealRawAsync(args, key, sealer, io);
        }

        var secrets = args.BuildsSecret ? [BuildSecret(args)] : await ReadSecretsAsync(args, io, cancellationToken);
        if (args.MergeInto is not null)
        {
            return MergeInto(args, secrets, key, sealer);
        }

        var sealedSecrets = secrets.Select(secret => SealedSecretManifest.ToNode(sealer.Seal(secret, key, ScopeOf(args, secret)))).Cast<JsonNode>().ToList();
        await io.WriteAsync(args.OutputFile, ManifestFormats.Write(sealedSecrets, args.Format));
        return ExitCodes.Success;
    }

    private Secret BuildSecret(SealArguments args)
    {
        if (args.SecretFile is not null)
        {
            throw new UsageException("--secret-file cannot be combined with --from-literal/--from-file/--from-env-file");
        }

        var builder = new SecretBuilder(args.Name, args.Namespace, args.Type);
        foreach (var literal in args.FromLiteral)
        {
            builder.AddLiteral(literal);
        }

        foreach (var file in args.FromFile)
        {
            builder.AddFile(file);
        }

        foreach (var envFile in args.FromEnvFile)
        {
            builder.AddEnvFile(envFile, Host.GetEnvironmentVariable);
        }

        var secret = builder.Build();
        return Prepare(args, secret, "(flags)");
    }

    private async Task<List<Secret>> ReadSecretsAsync(SealArguments args, CommandIO io, CancellationToken cancellationToken)
    {
        var (content, name) = await io.ReadAsync(args.SecretFile, cancellationToken);
        var secrets = new List<Secret>();
        foreach (var document in ManifestReader.Read(content, name).Where(d => d.Root is not null))
        {
            if (!SecretManifest.IsSecret(document))
            {
                throw document.Error(document.Root, $"expected a Secret, found {document.Kind ?? "a document without kind"}");
            }

            secrets.Add(Prepare(args, SecretManifest.Read(document), document.Location.ToString()));
        }

        return secrets.Count > 0 ? secrets : throw new InputException($"{name}: no Secret to seal");
    }

    /// <summary>kubeseal's rules on the input Secret, then the API server's checks, before any sealing.</summary>
    private Secret Prepare(SealArguments args, Secret secret, string where)
    {
        if (string.IsNullOrEmpty(secret.Metadata.Namespace))
        {
            secret.Metadata.Namespace = args.Namespace ?? KubeconfigNamespace.Resolve(Host);
        }
        else if (args.Namespace is not null && args.Namespace != secret.Metadata.Namespace)
        {
            throw new InputException($"{where}: the namespace of the Secret ({secret.Metadata.Namespace}) does not match --namespace ({args.Namespace})");
        }

        if (args.Name is not null)
        {
            // As in kubeseal, --name overrides the input's name.
            secret.Metadata.Name = args.Name;
        }

        if (string.IsNullOrEmpty(secret.Metadata.Name))
        {
            throw new InputException($"{where}: missing metadata.name in input Secret");
        }

        if (secret.Data.Count == 0 && !args.AllowEmptyData)
        {
            throw new InputException($"{where}: secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used");
        }

        if (args.AppendHash)
        {
            secret = NameHashSuffix.Apply(secret);
        }

        var problems = SecretValidator.Validate(secret);
        return problems.Count == 0 ? secret : throw new InputException($"{where}: Secret {secret.Metadata.QualifiedName}: {string.Join("; ", problems)}");
    }

    /// <summary>kubeseal writes YAML to a <c>-w</c> file named .yaml/.yml unless a format was given.</summary>
    private static ManifestFormat OutputFormat(string? outputFile, ManifestFormat format, bool explicitFormat) =>
        !explicitFormat && outputFile is not null && (outputFile.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || outputFile.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            ? ManifestFormat.Yaml
            : format;

    private static SealingScope ScopeOf(SealArguments args, Secret secret) =>
        args.Scope ?? SealingScopes.FromAnnotations(secret.Metadata.Annotations);

    private async Task<int> SealRawAsync(SealArguments args, SealingKey key, Sealer sealer, CommandIO io)
    {
        if (args.FromFile.Count + args.FromLiteral.Count > 1 || args.FromEnvFile.Count > 0)
        {
            throw new UsageException("must provide only one --from-file when encrypting a single item with --raw");
        }

        // The value as bytes, as-is (a trailing newline is sealed too): a file, a literal, or standard input.
        byte[] plaintext;
        if (args.FromFile.Count == 1)
        {
            var path = args.FromFile[0].Contains('=', StringComparison.Ordinal) ? args.FromFile[0][(args.FromFile[0].IndexOf('=', StringComparison.Ordinal) + 1)..] : args.FromFile[0];
            plaintext = (await io.ReadAsync(path, CancellationToken.None)).Content;
        }
        else if (args.FromLiteral.Count == 1)
        {
            plaintext = new SecretBuilder(null, null).AddLiteral(args.FromLiteral[0]).Build().Data.Values.Single();
        }
        else
        {
            plaintext = (await io.ReadAsync(CommandIO.StandardStream, CancellationToken.None)).Content;
        }

        var scope = args.Scope ?? SealingScope.Strict;
        var @namespace = args.Namespace ?? (scope == SealingScope.ClusterWide ? null : KubeconfigNamespace.Resolve(Host));
        var value = sealer.SealRaw(plaintext, key, scope, @namespace, args.Name);
        await io.WriteAsync(args.OutputFile, value);
        return ExitCodes.Success;
    }

    private int MergeInto(SealArguments args, IReadOnlyList<Secret> secrets, SealingKey key, Sealer sealer)
    {
        var path = args.MergeInto!;
        if (secrets.Count != 1)
        {
            throw new InputException($"--merge-into takes exactly one Secret, got {secrets.Count}");
        }

        if (!File.Exists(path))
        {
            throw new InputException($"--merge-into: {path}: no such file");
        }

        var document = ManifestReader.ReadSingle(BoundedInput.ReadFile(path), path);
        if (!SealedSecretManifest.IsSealedSecret(document))
        {
            throw document.Error(document.Root, $"--merge-into needs a SealedSecret, found {document.Kind ?? "a document without kind"}");
        }

        var existing = SealedSecretManifest.Read(document);
        sealer.MergeInto(existing, secrets[0], key);
        var format = document.Format == "json" ? ManifestFormat.Json : ManifestFormat.Yaml;
        AtomicFile.WriteText(path, ManifestFormats.Write([SealedSecretManifest.ToNode(existing)], format), FileModeOf(path));
        return ExitCodes.Success;
    }

    private static UnixFileMode FileModeOf(string path) =>
        OperatingSystem.IsWindows() ? AtomicFile.Default : File.GetUnixFileMode(path);
}
