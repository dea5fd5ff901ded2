using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

public sealed record KeysGenerateArguments(string? OutDir, string? Manifest, ManifestFormat Format, string Namespace, int KeySize, string? CommonName);

/// <summary><c>keys generate</c> and <c>keys cert</c>: make key pairs like the controller's, and print the sealing certificate.</summary>
public sealed class KeysCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public const string DefaultNamespace = "kube-system";

    private readonly Option<string?> _outDir = new("--out-dir") { Description = "Write NAME.key (0600) and NAME.crt PEM files here" };
    private readonly Option<string?> _manifest = new("--manifest") { Description = "Write a key Secret manifest here (0600); '-' for standard output" };
    private readonly Option<string> _format = shared.Format("yaml");
    private readonly Option<string?> _namespace = shared.Namespace();
    private readonly Option<int> _keySize = new("--key-size") { Description = "RSA key size in bits", DefaultValueFactory = _ => KeyGenerator.DefaultKeySize };
    private readonly Option<string?> _commonName = new("--my-cn") { Description = "Common name of the certificate (default: empty subject, like the controller)" };
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();

    public override Command Build()
    {
        var generate = new Command("generate", "Generate an RSA-4096 key pair with a self-signed 10-year certificate")
        {
            _outDir, _manifest, _format, _namespace, _keySize, _commonName,
        };
        generate.SetAction(Handler((parse, services, ct) => GenerateAsync(ParseGenerate(parse), services, ct)));

        var cert = new Command("cert", "Print the certificate of the newest key (the one that seals)") { _keys, _recoveryKeys };
        cert.SetAction(Handler((parse, _, _) => PrintCertificateAsync(
            SharedOptions.SplitList((parse.GetValue(_keys) ?? []).Concat(parse.GetValue(_recoveryKeys) ?? [])))));

        return new Command("keys", "Manage sealing key pairs") { generate, cert, new KeysCoverageCommand(Host, Shared).Build() };
    }

    private KeysGenerateArguments ParseGenerate(ParseResult parse)
    {
        var formatText = parse.GetValue(_format);
        var keySize = parse.GetValue(_keySize);
        return new KeysGenerateArguments(
            parse.GetValue(_outDir),
            parse.GetValue(_manifest),
            ManifestFormats.TryParse(formatText, out var format) ? format : throw new UsageException($"--format: \"{formatText}\" is not json or yaml"),
            parse.GetValue(_namespace) ?? DefaultNamespace,
            keySize is 2048 or 3072 or 4096 ? keySize : throw new UsageException("--key-size must be 2048, 3072 or 4096"),
            parse.GetValue(_commonName));
    }

    private async Task<int> GenerateAsync(KeysGenerateArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (args.OutDir is null && args.Manifest is null)
        {
            throw new UsageException("say where the key goes: --out-dir DIR and/or --manifest FILE ('-' for standard output)");
        }

        var name = KeySecrets.NewName();
        using var key = Get<KeyGenerator>(services).Generate(name, args.KeySize, commonName: args.CommonName);
        if (args.OutDir is not null)
        {
            AtomicFile.WriteText(Path.Combine(args.OutDir, name + ".key"), KeySecrets.PrivateKeyPem(key), AtomicFile.OwnerOnly);
            AtomicFile.WriteText(Path.Combine(args.OutDir, name + ".crt"), KeySecrets.CertificatePem(key));
        }

        if (args.Manifest is not null)
        {
            var manifest = ManifestFormats.Write([SecretManifest.ToNode(KeySecrets.ToSecret(key, args.Namespace, name))], args.Format);
            await new CommandIO(Host).WriteAsync(args.Manifest, manifest, AtomicFile.OwnerOnly);
        }

        await Host.Error.WriteLineAsync($"generated key {name} (fingerprint {key.Fingerprint}, valid until {key.Certificate!.NotAfter.ToUniversalTime():yyyy-MM-dd})");
        cancellationToken.ThrowIfCancellationRequested();
        return ExitCodes.Success;
    }

    private async Task<int> PrintCertificateAsync(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            throw new UsageException("--keys is required: the key file(s) or directory");
        }

        using var ring = KeyRingLoader.Load(paths, Host.Error);
        var newest = ring.Newest ?? throw new InputException("no key with a certificate found");
        await Host.Out.WriteAsync(KeySecrets.CertificatePem(newest));
        return ExitCodes.Success;
    }
}
