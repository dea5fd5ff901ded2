using System.CommandLine;
using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Cli;

public sealed record UnsealArguments(string? SealedSecretFile, string? OutputFile, ManifestFormat Format, IReadOnlyList<string> PrivateKeys);

/// <summary>
/// <c>unseal</c>: kubeseal's <c>--recovery-unseal</c>. Opens SealedSecrets offline with backed-up private
/// keys and prints the Secrets. A SealedSecret that does not fully open prints nothing and fails the run.
/// </summary>
public sealed class UnsealCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Option<string?> _input = new("--sealed-secret-file", "-f") { Description = "SealedSecret manifest(s) to open (default: standard input)" };
    private readonly Option<string?> _output = new("--output-file", "-w") { Description = "Write the Secrets to this file (mode 0600, atomically) instead of standard output" };
    private readonly Option<string> _format = shared.Format("json");
    private readonly Option<string[]> _keys = shared.RecoveryPrivateKey();
    private readonly Option<bool> _recoveryUnseal = new("--recovery-unseal") { Description = "Accepted for kubeseal compatibility; unseal always works offline", Hidden = true };

    public override Command Build()
    {
        var command = new Command("unseal", "Decrypt SealedSecrets offline with private keys (kubeseal --recovery-unseal)")
        {
            _input, _output, _format, _keys, _recoveryUnseal,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private UnsealArguments Parse(ParseResult parse)
    {
        var formatText = parse.GetValue(_format);
        return new UnsealArguments(
            parse.GetValue(_input),
            parse.GetValue(_output),
            ManifestFormats.TryParse(formatText, out var format) ? format : throw new UsageException($"--format: \"{formatText}\" is not json or yaml"),
            SharedOptions.SplitList(parse.GetValue(_keys)));
    }

    /// <summary>Also what <c>seal --recovery-unseal</c> (kubeseal's flag) runs.</summary>
    public async Task<int> RunAsync(UnsealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (args.PrivateKeys.Count == 0)
        {
            throw new UsageException("--recovery-private-key is required: the private key(s) to decrypt with");
        }

        using var ring = KeyRingLoader.Load(args.PrivateKeys, Host.Error);
        if (!ring.UnsealingKeys.Any())
        {
            throw new InputException("no usable private key in --recovery-private-key");
        }

        var io = new CommandIO(Host);
        var (content, name) = await io.ReadAsync(args.SealedSecretFile, cancellationToken);
        var unsealer = Get<Unsealer>(services);
        var secrets = new List<JsonNode>();
        var failures = 0;
        // The items of a List (kubectl get sealedsecrets -o yaml) are opened one by one and printed as Secrets.
        foreach (var document in ManifestReader.Read(content, name).Where(d => d.Root is not null).SelectMany(ExpectSealedSecrets))
        {
            var sealedSecret = SealedSecretManifest.Read(document);
            var result = unsealer.Unseal(sealedSecret, ring);
            if (result.Secret is null)
            {
                failures++;
                await Host.Error.WriteLineAsync($"error: {document.Location}: SealedSecret {sealedSecret.Metadata.QualifiedName}: {result.Error}");
                continue;
            }

            secrets.Add(SecretManifest.ToNode(result.Secret));
        }

        if (secrets.Count > 0)
        {
            await io.WriteAsync(args.OutputFile, ManifestFormats.Write(secrets, args.Format), IO.AtomicFile.OwnerOnly);
        }

        return failures > 0 ? ExitCodes.DecryptionFailed : ExitCodes.Success;
    }

    /// <summary>A SealedSecret, or the SealedSecrets of a List; anything else (an item of another kind too) is an error.</summary>
    private static IReadOnlyList<ManifestDocument> ExpectSealedSecrets(ManifestDocument document)
    {
        if (SealedSecretManifest.IsList(document))
        {
            var items = (document.Root as JsonObject)?["items"] as JsonArray ?? [];
            var other = items.Select((item, index) => document.Item(item, index)).FirstOrDefault(item => !SealedSecretManifest.IsSealedSecret(item));
            return other is null
                ? SealedSecretManifest.SealedSecretsIn(document)
                : throw other.Error(other.Root, $"expected a SealedSecret, found {other.Kind ?? "an item without kind"}");
        }

        return SealedSecretManifest.IsSealedSecret(document)
            ? [document]
            : throw document.Error(document.Root, $"expected a SealedSecret, found {document.Kind ?? "a document without kind"}");
    }
}

/// <summary>Loads a key ring from user-given paths; unreadable keys are reported as warnings and skipped.</summary>
public static class KeyRingLoader
{
    public static KeyRing Load(IEnumerable<string> paths, TextWriter warnings)
    {
        var result = KeyPaths.Load(paths);
        foreach (var problem in result.Problems)
        {
            warnings.WriteLine($"warning: {problem}");
        }

        return new KeyRing(result.Keys);
    }
}
