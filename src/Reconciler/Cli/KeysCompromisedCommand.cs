using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.WriteBack;

namespace GitOpsSecrets.Cli;

public sealed record KeysCompromisedArguments(string Fingerprint, IReadOnlyList<string> Paths, KeysConfiguration Store, bool Reseal, WriteBackSettings? WriteBack);

/// <summary>
/// <c>keys compromised FINGERPRINT [PATH...] --keys cluster[:NS] [--reseal [--commit|--push]]</c>: the
/// disaster-recovery steps in one command. Marks the key compromised (it stops sealing and opening at
/// once), creates a new key, and with <c>--reseal</c> re-encrypts every SealedSecret under the paths to
/// the new key (with write-back when asked). Resealing does not make a leaked value secret again, so it
/// lists every Secret sealed to the compromised key: a person must change those values.
/// </summary>
public sealed class KeysCompromisedCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string> _fingerprint = new("FINGERPRINT") { Description = "The compromised key's fingerprint, or its first 8 or more hex digits" };
    private readonly Argument<string[]> _paths = new("paths") { Description = "Where the SealedSecrets are (default: .)", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _reseal = new("--reseal") { Description = "Re-encrypt every SealedSecret under the paths to the new key" };
    private readonly WriteBackOptions _writeBack = new("Reseal {secrets} SealedSecret(s) in {files} file(s) to key {key} after a key was compromised");
    private readonly ConfigurationOptions _store = new();

    public override Command Build()
    {
        var command = new Command("compromised", "A key leaked: mark it compromised, create a new key, and (--reseal) re-encrypt everything to it")
        {
            _fingerprint, _paths, _reseal, _store.Keys, _store.Kubeconfig, _store.Context,
        };
        _writeBack.AddTo(command);
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private KeysCompromisedArguments Parse(ParseResult parse)
    {
        var writeBack = _writeBack.Resolve(parse, Host);
        var reseal = parse.GetValue(_reseal);
        if (writeBack is not null && !reseal)
        {
            throw new UsageException("--commit/--push write back the resealed files: add --reseal");
        }

        return new KeysCompromisedArguments(
            parse.GetValue(_fingerprint)!,
            parse.GetValue(_paths) is { Length: > 0 } paths ? paths : ["."],
            parse.GetValue(_store.Keys) is null ? throw new UsageException("--keys is required: the cluster key store, cluster[:NAMESPACE]") : _store.ResolveKeys(parse),
            reseal,
            writeBack);
    }

    private async Task<int> RunAsync(KeysCompromisedArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = KeyLifecycleStores.Open(Get<IKeyStoreFactory>(services), args.Store);
        var keys = await store.ListAllAsync(cancellationToken);
        SealingKey? created = null;
        try
        {
            var key = KeyLifecycleStores.Find(keys, args.Fingerprint, store.Description);
            var users = SourceFilesAt.Use(args.Paths, null, (files, display, _) => KeyLifecycleStores.Users(Get<ValueCipher>(services), files, keys, display));
            var now = Host.Time.GetUtcNow();
            if (!key.Retired)
            {
                await store.RetireAsync(key, now, "keys compromised", cancellationToken);
            }

            await Host.Out.WriteLineAsync($"marked key {key.Key.ShortFingerprint} ({TerminalText.Escape(key.StoredAs)}) {KeySecrets.CompromisedValue}: it no longer seals or opens anything");
            created = Get<KeyGenerator>(services).Generate(KeySecrets.NewName());
            var name = await store.AddAsync(created, cancellationToken);
            await Host.Out.WriteLineAsync($"created key {created.ShortFingerprint} ({TerminalText.Escape(name)}): it seals from now on");

            var exit = ExitCodes.Success;
            if (args.Reseal)
            {
                exit = await ResealAsync(args, services, keys.Select(k => k.Key).Append(created), created, cancellationToken);
            }

            var exposed = users.Of(key.Key.Fingerprint);
            await Host.Out.WriteLineAsync(exposed.Count == 0
                ? "no SealedSecret under the paths was sealed to the compromised key"
                : $"the values of these Secrets were sealed to the compromised key and must now be changed by a person (resealing does not make them secret again):");
            foreach (var document in exposed)
            {
                await Host.Out.WriteLineAsync($"  {TerminalText.Escape(document)}");
            }

            foreach (var unreadable in users.Unreadable)
            {
                await Host.Error.WriteLineAsync($"warning: could not tell which key {TerminalText.Escape(unreadable)}");
            }

            return exit;
        }
        finally
        {
            created?.Dispose();
            foreach (var stored in keys)
            {
                stored.Key.Dispose();
            }
        }
    }

    /// <summary>
    /// Re-encrypts everything to the new key, opening with every key of the store, the compromised one
    /// included (its private half is still in this process, though no longer loaded by the store).
    /// </summary>
    private async Task<int> ResealAsync(KeysCompromisedArguments args, IServiceProvider services, IEnumerable<SealingKey> keys, SealingKey created, CancellationToken cancellationToken)
    {
        // Not disposed here: the caller owns these keys.
        var ring = new KeyRing(keys.DistinctBy(k => k.Fingerprint, StringComparer.Ordinal));
        var resealer = new Resealer(new LocalRotator(Get<Sealer>(services), ring));
        var (report, written) = args.WriteBack is { } writeBack
            ? await resealer.ResealAndCommitAsync(args.Paths, writeBack, Get<IWriteBackService>(services), cancellationToken)
            : (await resealer.RunAsync(ManifestFiles.Find(args.Paths), check: false, cancellationToken), (GitWriteResult?)null);
        foreach (var error in report.Documents.Select(d => d.Error).Concat(report.Files.Select(f => f.Error)).OfType<string>().Distinct())
        {
            await Host.Error.WriteLineAsync($"error: {TerminalText.Escape(error)}");
        }

        await Host.Out.WriteLineAsync($"resealed {Plural.Of(report.Resealed, "SealedSecret")} in {Plural.Of(report.FilesRewritten, "file")} to key {created.ShortFingerprint}{written switch
        {
            null => string.Empty,
            { Commit: null } => "; nothing committed",
            { Pushed: true } => $"; committed {written.Commit![..12]} and pushed",
            _ => $"; committed {written.Commit![..12]}",
        }}");
        return report.Failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }
}
