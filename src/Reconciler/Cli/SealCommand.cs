using System.CommandLine;
using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

/// <summary>What one <c>seal</c> invocation does; kubeseal's flags choose it the same way.</summary>
public enum SealMode
{
    /// <summary>Seal Secrets (or one raw value) with the certificate.</summary>
    Seal,

    /// <summary><c>--fetch-cert</c>: print the certificate and stop.</summary>
    FetchCert,

    /// <summary><c>--validate</c>: ask the controller's <c>/v1/verify</c> whether each SealedSecret opens.</summary>
    Validate,

    /// <summary><c>--re-encrypt</c>: have the controller's <c>/v1/rotate</c> re-encrypt each SealedSecret to its newest key.</summary>
    ReEncrypt,

    /// <summary><c>--recovery-unseal</c>: decrypt offline with <c>--recovery-private-key</c> (what <c>unseal</c> does).</summary>
    RecoveryUnseal,
}

/// <summary>The arguments of one <c>seal</c> invocation.</summary>
public sealed record SealArguments(
    SealMode Mode,
    string? SecretFile,
    string? OutputFile,
    ManifestFormat Format,
    string? Cert,
    ControllerTarget Controller,
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
    bool AppendHash,
    IReadOnlyList<string> RecoveryKeys)
{
    public bool BuildsSecret => FromLiteral.Count + FromFile.Count + FromEnvFile.Count > 0;
}

/// <summary>
/// <c>seal</c>: Secret(s) in, SealedSecret(s) out, using only the public certificate. kubeseal's flags
/// and rules (namespace from the kubeconfig, namespace mismatch, empty data, expired certificate, raw
/// mode, merge-into), plus building the Secret from literals and files in the same step. kubeseal's other
/// modes are flags here too (<c>--fetch-cert</c>, <c>--validate</c>, <c>--re-encrypt</c>,
/// <c>--recovery-unseal</c>), and without <c>--cert</c> the certificate comes from the controller through
/// the API server, as kubeseal fetches it; so does the root command when the binary runs as
/// <c>kubeseal</c> (<see cref="CliApp"/>).
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
    private readonly Option<bool> _fetchCert = new("--fetch-cert") { Description = "Print the certificate (from --cert, else from the controller) and exit" };
    private readonly Option<bool> _validate = new("--validate") { Description = "Ask the controller (/v1/verify) whether each input SealedSecret can be decrypted; prints nothing when all can" };
    private readonly Option<bool> _reEncrypt = new("--re-encrypt", "--rotate") { Description = "Have the controller (/v1/rotate) re-encrypt each input SealedSecret to its newest key (in place with -f and no -w)" };
    private readonly Option<bool> _recoveryUnseal = new("--recovery-unseal") { Description = "Decrypt the input SealedSecrets offline with --recovery-private-key (what the unseal command does)" };
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();
    private readonly ControllerOptions _controller = new();

    public override Command Build()
    {
        var command = new Command("seal", "Seal a Secret into a SealedSecret with the public certificate (kubeseal's flags)");
        Configure(command);
        return command;
    }

    /// <summary>Adds seal's options and action to a command: the <c>seal</c> subcommand, or the root of the kubeseal alias.</summary>
    public void Configure(Command command)
    {
        Option[] options =
        [
            _secretFile, _outputFile, _format, _cert, _scope, _raw, _name, _namespace, _type,
            _fromLiteral, _fromFile, _fromEnvFile, _mergeInto, _allowEmptyData, _appendHash,
            _fetchCert, _validate, _reEncrypt, _recoveryUnseal, _recoveryKeys,
        ];
        foreach (var option in options.Concat(_controller.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
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

        var mode = ModeOf(parse);

        // kubeseal re-encrypts a -f file in place when no -w is given.
        var outputFile = parse.GetValue(_outputFile) ?? (mode == SealMode.ReEncrypt ? parse.GetValue(_secretFile) : null);
        return new SealArguments(
            mode,
            parse.GetValue(_secretFile),
            outputFile,
            OutputFormat(outputFile, format, parse.GetResult(_format) is { Implicit: false }),
            parse.GetValue(_cert),
            _controller.Resolve(parse),
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
            parse.GetValue(_appendHash),
            SharedOptions.SplitList(parse.GetValue(_recoveryKeys)));
    }

    /// <summary>At most one of kubeseal's mode flags; kubeseal silently lets one win, here two are a usage error.</summary>
    private SealMode ModeOf(ParseResult parse)
    {
        var chosen = new (Option<bool> Flag, SealMode Mode)[] { (_recoveryUnseal, SealMode.RecoveryUnseal), (_validate, SealMode.Validate), (_reEncrypt, SealMode.ReEncrypt), (_fetchCert, SealMode.FetchCert) }
            .Where(m => parse.GetValue(m.Flag))
            .ToList();
        return chosen.Count switch
        {
            0 => SealMode.Seal,
            1 => chosen[0].Mode,
            _ => throw new UsageException($"{string.Join(", ", chosen.Select(m => m.Flag.Name))} cannot be used together: choose one"),
        };
    }

    private async Task<int> RunAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (args.RecoveryKeys.Count > 0 && args.Mode != SealMode.RecoveryUnseal)
        {
            // kubeseal's warning: the keys only mean something to --recovery-unseal.
            await Host.Error.WriteLineAsync("warning: ignoring --recovery-private-key because unseal command not chosen with --recovery-unseal");
        }

        switch (args.Mode)
        {
            case SealMode.RecoveryUnseal:
                return await new UnsealCommand(Host, Shared).RunAsync(new UnsealArguments(args.SecretFile, args.OutputFile, args.Format, args.RecoveryKeys), services, cancellationToken);
            case SealMode.Validate or SealMode.ReEncrypt:
                return await AskControllerAsync(args, services, cancellationToken);
            case SealMode.FetchCert:
                await new CommandIO(Host).WriteAsync(args.OutputFile, await ReadCertificatePemAsync(args, services, cancellationToken));
                return ExitCodes.Success;
        }

        if (args.Raw && args.MergeInto is not null)
        {
            throw new UsageException("--raw and --merge-into cannot be used together");
        }

        using var key = await LoadCertificateAsync(args, services, cancellationToken);
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

    /// <summary>The certificate as text: from <c>--cert</c> (file or URL), else from the controller, as kubeseal takes it.</summary>
    private async Task<string> ReadCertificatePemAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (args.Cert is not null)
        {
            return await Get<CertificateLoader>(services).ReadPemAsync(args.Cert, cancellationToken);
        }

        using var connection = await OpenControllerAsync(args, services, cancellationToken);
        return await connection.Client.FetchCertificateAsync(cancellationToken);
    }

    private async Task<SealingKey> LoadCertificateAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var loader = Get<CertificateLoader>(services);
        if (args.Cert is not null)
        {
            return await loader.LoadAsync(args.Cert, cancellationToken);
        }

        using var connection = await OpenControllerAsync(args, services, cancellationToken);
        return loader.Parse(await connection.Client.FetchCertificateAsync(cancellationToken), connection.Client.CertificateUri.ToString());
    }

    private Task<ControllerConnection> OpenControllerAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken) =>
        ControllerConnection.OpenAsync(Host, args.Controller, Get<HttpClient>(services), "pass --cert FILE|URL or --controller-url URL instead", cancellationToken);

    private async Task<int> AskControllerAsync(SealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var io = new CommandIO(Host);
        var (content, name) = await io.ReadAsync(args.SecretFile, cancellationToken);
        using var connection = await OpenControllerAsync(args, services, cancellationToken);
        var requests = new ControllerRequests(Host, connection.Client);
        if (args.Mode == SealMode.Validate)
        {
            return await requests.ValidateAsync(content, name, cancellationToken);
        }

        var (code, rotated) = await requests.ReEncryptAsync(content, name, cancellationToken);
        if (rotated is not null)
        {
            await io.WriteAsync(args.OutputFile, ManifestFormats.Write(rotated, args.Format));
        }

        return code;
    }

    private Secret BuildSecret(SealArguments args)
    {
        if (args.SecretFile is not null)
        {
            throw new UsageException("--secret-file cannot be combined with --from-literal/--from-file/--from-env-file");
        }

        var secret = new SecretBuilder(args.Name, args.Namespace, args.Type)
            .AddSources(args.FromLiteral, args.FromFile, args.FromEnvFile, Host.GetEnvironmentVariable)
            .Build();
        return SealInput.Prepare(secret, "(flags)", Rules(args));
    }

    private async Task<List<Secret>> ReadSecretsAsync(SealArguments args, CommandIO io, CancellationToken cancellationToken)
    {
        var (content, name) = await io.ReadAsync(args.SecretFile, cancellationToken);
        return SealInput.ReadSecrets(content, name, Rules(args));
    }

    private SealInputRules Rules(SealArguments args) =>
        new(args.Namespace, () => KubeconfigNamespace.Resolve(Host, args.Controller.Kubeconfig, args.Controller.Context), args.Name, args.AllowEmptyData, args.AppendHash);

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
        var @namespace = args.Namespace ?? (scope == SealingScope.ClusterWide ? null : KubeconfigNamespace.Resolve(Host, args.Controller.Kubeconfig, args.Controller.Context));
        var value = sealer.SealRaw(plaintext, key, scope, @namespace, args.Name);
        await io.WriteAsync(args.OutputFile, value);
        return ExitCodes.Success;
    }

    private static int MergeInto(SealArguments args, IReadOnlyList<Secret> secrets, SealingKey key, Sealer sealer)
    {
        SealInput.MergeIntoFile(args.MergeInto!, secrets, (existing, secret) => sealer.MergeInto(existing, secret, key));
        return ExitCodes.Success;
    }
}
