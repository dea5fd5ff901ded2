using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.WriteBack;

namespace GitOpsSecrets.Cli;

public sealed record KeysRetireArguments(string Fingerprint, IReadOnlyList<string> Paths, string? Revision, KeysConfiguration Store, TimeSpan Grace, TimeSpan DeleteAfter);

/// <summary>
/// <c>keys retire FINGERPRINT [PATH...] --keys cluster[:NS]</c>: takes a key out of service in two steps.
/// First, when <c>keys coverage</c> over the paths (at <c>--ref</c>) shows no SealedSecret sealed to it, no
/// document failed to parse, it is not the newest key and it is older than <c>--grace</c>, its key Secret
/// is labelled compromised (Bitnami's way: neither the controller nor we load it any more). Run again
/// once it has been retired for <c>--delete-after</c>, the same checks pass, and the Secret is deleted.
/// Refused: exit 6, nothing changed.
/// </summary>
public sealed class KeysRetireCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public static readonly TimeSpan DefaultDeleteAfter = TimeSpan.FromDays(7);

    private readonly Argument<string> _fingerprint = new("FINGERPRINT") { Description = "The key's fingerprint, or its first 8 or more hex digits (keys coverage shows them)" };
    private readonly Argument<string[]> _paths = new("paths") { Description = "Where the SealedSecrets are (default: .); with --ref, paths inside the repository", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string?> _ref = new("--ref") { Description = "Check the files as they are at this git revision (the applied one), not the work tree" };
    private readonly Option<string?> _grace = new("--grace") { Description = "Refuse a key younger than this, e.g. 720h (default 0: no minimum age)" };
    private readonly Option<string?> _deleteAfter = new("--delete-after") { Description = "Delete a retired key once it has been retired this long (default 168h)" };
    private readonly ConfigurationOptions _store = new();

    public override Command Build()
    {
        var command = new Command("retire", "Retire a key nothing is sealed to: mark its key Secret compromised, and delete it on a later run")
        {
            _fingerprint, _paths, _ref, _grace, _deleteAfter, _store.Keys, _store.Kubeconfig, _store.Context,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private KeysRetireArguments Parse(ParseResult parse) => new(
        parse.GetValue(_fingerprint)!,
        parse.GetValue(_paths) is { Length: > 0 } paths ? paths : ["."],
        parse.GetValue(_ref),
        parse.GetValue(_store.Keys) is null ? throw new UsageException("--keys is required: the cluster key store, cluster[:NAMESPACE]") : _store.ResolveKeys(parse),
        parse.GetValue(_grace) is { } grace ? Duration(grace, "--grace") : TimeSpan.Zero,
        parse.GetValue(_deleteAfter) is { } after ? Duration(after, "--delete-after") : DefaultDeleteAfter);

    private static TimeSpan Duration(string text, string option) =>
        Durations.TryParse(text, out var value) && value >= TimeSpan.Zero ? value : throw new UsageException($"{option}: \"{text}\" is not a duration such as 720h or 30m");

    private async Task<int> RunAsync(KeysRetireArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = KeyLifecycleStores.Open(Get<IKeyStoreFactory>(services), args.Store);
        var keys = await store.ListAllAsync(cancellationToken);
        try
        {
            var key = KeyLifecycleStores.Find(keys, args.Fingerprint, store.Description);
            var users = SourceFilesAt.Use(args.Paths, args.Revision, (files, display, _) => KeyLifecycleStores.Users(Get<ValueCipher>(services), files, keys, display));
            var now = Host.Time.GetUtcNow();
            var decision = KeyRetirementPolicy.Decide(key, keys, users, args.Grace, args.DeleteAfter, now);
            var name = $"key {key.Key.ShortFingerprint} ({TerminalText.Escape(key.StoredAs)})";
            switch (decision.Action)
            {
                case RetirementAction.Retire:
                    await store.RetireAsync(key, now, "keys retire: " + decision.Reason, cancellationToken);
                    await Host.Out.WriteLineAsync($"retired {name}: labelled {KeySecrets.KeyLabel}={KeySecrets.CompromisedValue}; {decision.Reason}. Run keys retire again after {args.DeleteAfter} to delete it");
                    return ExitCodes.Success;
                case RetirementAction.Delete:
                    await store.DeleteRetiredAsync(key, cancellationToken);
                    await Host.Out.WriteLineAsync($"deleted {name}: {decision.Reason}");
                    return ExitCodes.Success;
                default:
                    await Host.Error.WriteLineAsync($"error: {name} {(key.Retired ? "is retired and kept" : "is not retired")}: {TerminalText.Escape(decision.Reason)}");
                    return ExitCodes.ChangesPending;
            }
        }
        finally
        {
            foreach (var stored in keys)
            {
                stored.Key.Dispose();
            }
        }
    }
}
