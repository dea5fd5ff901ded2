using System.CommandLine;
using System.Text.Json.Nodes;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

public sealed record KeysGenerateArguments(string? OutDir, string? Manifest, ManifestFormat Format, string Namespace, int KeySize, string? CommonName);

public sealed record KeysExportArguments(KeysConfiguration Store, string Namespace, ManifestFormat Format, string? OutputFile);

public sealed record KeysImportArguments(KeysConfiguration Store, string File);

/// <summary>
/// <c>keys generate</c> and <c>keys cert</c>: make key pairs like the controller's, and print the sealing
/// certificate; <c>keys export</c> and <c>keys import</c>: move key Secrets between key stores (clusters),
/// so several clusters can share a sealing key.
/// </summary>
public sealed class KeysCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Option<string?> _outDir = new("--out-dir") { Description = "Write NAME.key (0600) and NAME.crt PEM files here" };
    private readonly Option<string?> _manifest = new("--manifest") { Description = "Write a key Secret manifest here (0600); '-' for standard output" };
    private readonly Option<string> _format = shared.Format("yaml");
    private readonly Option<string?> _namespace = new("--namespace", "-n") { Description = $"Namespace of the key Secret (default {ControllerDefaults.Namespace}, where deploy/ installs the worker)" };
    private readonly Option<string?> _exportNamespace = new("--namespace", "-n") { Description = $"Namespace of the exported key Secrets (default: the cluster store's namespace, else {ControllerDefaults.Namespace})" };
    private readonly Option<string> _exportFormat = shared.Format("yaml");
    private readonly Option<int> _keySize = new("--key-size") { Description = "RSA key size in bits", DefaultValueFactory = _ => KeyGenerator.DefaultKeySize };
    private readonly Option<string?> _commonName = new("--my-cn") { Description = "Common name of the certificate (default: empty subject, like the controller)" };
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();
    private readonly ConfigurationOptions _store = new();
    private readonly Option<string?> _outputFile = shared.OutputFile("Write the List of key Secrets to this file (0600, atomically) instead of standard output");
    private readonly Argument<string> _importFile = new("FILE") { Description = "Key Secrets to import: a List of key Secrets (keys export), a key Secret, or PEM" };

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

        var export = new Command("export", $"Write every key pair of a key store as a List of Bitnami key Secrets, e.g. --keys cluster:{ControllerDefaults.Namespace} -w keys.yaml")
        {
            _store.Keys, _store.Kubeconfig, _store.Context, _exportNamespace, _exportFormat, _outputFile,
        };
        export.SetAction(Handler((parse, services, ct) => ExportAsync(ParseExport(parse), services, ct)));

        var import = new Command("import", "Add the key pairs of a file to a key store, skipping those it already holds (same fingerprint)")
        {
            _importFile, _store.Keys, _store.Kubeconfig, _store.Context,
        };
        import.SetAction(Handler((parse, services, ct) => ImportAsync(new KeysImportArguments(RequireStore(parse), parse.GetValue(_importFile)!), services, ct)));

        return new Command("keys", "Manage sealing key pairs") { generate, cert, export, import, new KeysCoverageCommand(Host, Shared).Build(), new KeysDrillCommand(Host, Shared).Build(), new KeysRetireCommand(Host, Shared).Build(), new KeysCompromisedCommand(Host, Shared).Build() };
    }

    private KeysExportArguments ParseExport(ParseResult parse)
    {
        var store = RequireStore(parse);
        return new KeysExportArguments(
            store,
            parse.GetValue(_exportNamespace) ?? store.ClusterNamespace ?? ControllerDefaults.Namespace,
            ParseFormat(parse.GetValue(_exportFormat)),
            parse.GetValue(_outputFile));
    }

    private static ManifestFormat ParseFormat(string? text) =>
        ManifestFormats.TryParse(text, out var format) ? format : throw new UsageException($"--format: \"{text}\" is not json or yaml");

    private KeysGenerateArguments ParseGenerate(ParseResult parse)
    {
        var formatText = parse.GetValue(_format);
        var keySize = parse.GetValue(_keySize);
        return new KeysGenerateArguments(
            parse.GetValue(_outDir),
            parse.GetValue(_manifest),
            ParseFormat(formatText),
            parse.GetValue(_namespace) ?? ControllerDefaults.Namespace,
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

    private KeysConfiguration RequireStore(ParseResult parse) =>
        parse.GetValue(_store.Keys) is null
            ? throw new UsageException("--keys is required: a key directory, or cluster[:NAMESPACE]")
            : _store.ResolveKeys(parse);

    private async Task<int> ExportAsync(KeysExportArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = Get<IKeyStoreFactory>(services).Create(args.Store);
        var loaded = await store.LoadAsync(cancellationToken);
        foreach (var problem in loaded.Problems)
        {
            await Host.Error.WriteLineAsync($"warning: key skipped: {problem}");
        }

        var items = new JsonArray();
        foreach (var key in loaded.Keys)
        {
            if (key.Certificate is null || key.PrivateKey is null)
            {
                await Host.Error.WriteLineAsync($"warning: key {key} has no {(key.Certificate is null ? "certificate" : "private key")}; not exported");
                continue;
            }

            items.Add(SecretManifest.ToNode(KeySecrets.ToSecret(key, args.Namespace, KeySecrets.SecretNameFor(key))));
        }

        foreach (var key in loaded.Keys)
        {
            key.Dispose();
        }

        if (items.Count == 0)
        {
            throw new InputException($"no key pair in {store.Description} to export");
        }

        var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["metadata"] = new JsonObject(), ["items"] = items };
        await new CommandIO(Host).WriteAsync(args.OutputFile, ManifestFormats.Write([list], args.Format), AtomicFile.OwnerOnly);
        await Host.Error.WriteLineAsync($"exported {Plural.Of(items.Count, "key")} from {store.Description}");
        return ExitCodes.Success;
    }

    private async Task<int> ImportAsync(KeysImportArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var incoming = KeyMaterialReader.ReadFile(args.File);
        foreach (var problem in incoming.Problems)
        {
            await Host.Error.WriteLineAsync($"warning: key skipped: {problem}");
        }

        var store = Get<IKeyStoreFactory>(services).Create(args.Store);
        var existing = await store.LoadAsync(cancellationToken);
        var present = existing.Keys.Where(k => k.CanUnseal).Select(k => k.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var imported = 0;
        var skipped = 0;
        try
        {
            if (incoming.Keys.Count == 0)
            {
                throw new InputException($"{args.File}: no key pair to import");
            }

            foreach (var key in incoming.Keys)
            {
                if (key.Certificate is null || key.PrivateKey is null)
                {
                    await Host.Error.WriteLineAsync($"warning: key {key} has no {(key.Certificate is null ? "certificate" : "private key")}; not imported");
                    skipped++;
                }
                else if (!present.Add(key.Fingerprint))
                {
                    await Host.Error.WriteLineAsync($"key {key.ShortFingerprint} is already in {store.Description}");
                    skipped++;
                }
                else
                {
                    var name = await store.AddAsync(key, cancellationToken);
                    await Host.Error.WriteLineAsync($"imported key {key.ShortFingerprint} as {name}");
                    imported++;
                }
            }
        }
        finally
        {
            foreach (var key in incoming.Keys.Concat(existing.Keys))
            {
                key.Dispose();
            }
        }

        await Host.Out.WriteLineAsync($"imported {Plural.Of(imported, "key")} into {store.Description}, {skipped} skipped");
        return ExitCodes.Success;
    }
}
