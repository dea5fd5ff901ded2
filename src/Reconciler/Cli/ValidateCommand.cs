using System.CommandLine;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Cli;

public sealed record ValidateArguments(IReadOnlyList<string> Files, IReadOnlyList<string> Keys, string? Cert);

/// <summary>
/// <c>validate</c>: checks SealedSecret files. Without keys, the structure (kind, names, scope, keys,
/// base64, ciphertext layout and, with <c>--cert</c>, the RSA size of that key); with keys, also
/// that every value opens. The items of a List (<c>kubectl get sealedsecrets -o yaml</c>) are checked one
/// by one; other kinds in the files are ignored, as the worker ignores them.
/// </summary>
public sealed class ValidateCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string[]> _files = new("files") { Description = "Files to check (default: standard input)", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();
    private readonly Option<string?> _cert = shared.Cert();

    public override Command Build()
    {
        var command = new Command("validate", "Check SealedSecret files: structure without keys, decryption with keys")
        {
            _files, _keys, _recoveryKeys, _cert,
        };

        // The file list takes any number of tokens, so a mistyped flag would otherwise be read as a
        // file name and reported as a missing file (exit 3); it is a usage error (exit 2).
        _files.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => t.Value.Length > 1 && t.Value.StartsWith('-')) is { } flag)
            {
                result.AddError($"Unrecognized command or argument '{flag.Value}'.");
            }
        });
        command.SetAction(Handler((parse, services, ct) => RunAsync(
            new ValidateArguments(
                parse.GetValue(_files) ?? [],
                SharedOptions.SplitList((parse.GetValue(_keys) ?? []).Concat(parse.GetValue(_recoveryKeys) ?? [])),
                parse.GetValue(_cert)),
            services,
            ct)));
        return command;
    }

    private async Task<int> RunAsync(ValidateArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        using var ring = args.Keys.Count > 0 ? KeyRingLoader.Load(args.Keys, Host.Error) : KeyRing.Empty;
        using var certificate = args.Cert is null ? null : await Get<CertificateLoader>(services).LoadAsync(args.Cert, cancellationToken);
        var rsaBytes = certificate?.PublicKey.KeySize / 8 ?? ring.Newest?.PublicKey.KeySize / 8;
        var unsealer = Get<Unsealer>(services);
        var io = new CommandIO(Host);
        int valid = 0, invalid = 0, undecryptable = 0;
        foreach (var file in args.Files.Count > 0 ? args.Files : [CommandIO.StandardStream])
        {
            IReadOnlyList<ManifestDocument> documents;
            try
            {
                var (content, name) = await io.ReadAsync(file, cancellationToken);
                documents = ManifestReader.Read(content, name);
            }
            catch (InputException e)
            {
                invalid++;
                await Host.Error.WriteLineAsync($"error: {e.Message}");
                continue;
            }

            foreach (var document in documents.SelectMany(d => SealedSecretsOrError(d)))
            {
                var outcome = document.Error is { } error ? (Code: ExitCodes.InvalidInput, Message: $"error: {error.Message}") : Check(document.SealedSecret!, rsaBytes, ring, unsealer);
                _ = outcome.Code switch
                {
                    ExitCodes.Success => valid++,
                    ExitCodes.DecryptionFailed => undecryptable++,
                    _ => invalid++,
                };
                await (outcome.Code == ExitCodes.Success ? Host.Out : Host.Error).WriteLineAsync(outcome.Message);
            }
        }

        await Host.Out.WriteLineAsync($"{valid} valid, {invalid} invalid, {undecryptable} not decryptable");
        return invalid > 0 ? ExitCodes.InvalidInput : undecryptable > 0 ? ExitCodes.DecryptionFailed : ExitCodes.Success;
    }

    /// <summary>The SealedSecrets of a document, items of a List included, or the one error that makes a List unreadable.</summary>
    private static IEnumerable<(ManifestDocument? SealedSecret, ManifestException? Error)> SealedSecretsOrError(ManifestDocument document)
    {
        try
        {
            return SealedSecretManifest.SealedSecretsIn(document).Select(d => ((ManifestDocument?)d, (ManifestException?)null)).ToList();
        }
        catch (ManifestException e)
        {
            return [(null, e)];
        }
    }

    private static (int Code, string Message) Check(ManifestDocument document, int? rsaBytes, KeyRing ring, Unsealer unsealer)
    {
        SealedSecret sealedSecret;
        try
        {
            sealedSecret = SealedSecretManifest.Read(document);
        }
        catch (ManifestException e)
        {
            return (ExitCodes.InvalidInput, $"error: {e.Message}");
        }

        var name = sealedSecret.Metadata.QualifiedName;
        var problems = SealedValueLayout.Check(sealedSecret, rsaBytes);
        if (problems.Count > 0)
        {
            return (ExitCodes.InvalidInput, $"error: {document.Location}: SealedSecret {name}: {string.Join("; ", problems)}");
        }

        if (ring.Count > 0 && unsealer.Unseal(sealedSecret, ring) is { Succeeded: false } result)
        {
            return (ExitCodes.DecryptionFailed, $"error: {document.Location}: SealedSecret {name}: {result.Error}");
        }

        return (ExitCodes.Success, $"ok: {document.Location}: SealedSecret {name} ({SealingScopes.Format(sealedSecret.Scope)}{(ring.Count > 0 ? ", decrypts" : string.Empty)})");
    }
}
