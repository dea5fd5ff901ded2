using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.WriteBack;

namespace GitOpsSecrets.Cli;

public sealed record KeysDrillArguments(IReadOnlyList<string> Paths, string? Revision, KeysConfiguration Store, bool Json);

/// <summary>
/// <c>keys drill [PATH...] [--ref REV] --keys STORE</c>: could this key store decrypt every sealed
/// document (at revision REV of the repository holding PATH)? Opens every value and throws it away;
/// writes nothing. Exit 0: all open; 4: some document opens with no key; 3: some document is unreadable.
/// </summary>
public sealed class KeysDrillCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string[]> _paths = new("paths") { Description = "Files or directories to drill (default: .); with --ref, paths inside the repository", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string?> _ref = new("--ref") { Description = "Drill the files as they are at this git revision (branch, tag, commit) of the repository holding the paths, not the work tree" };
    private readonly ConfigurationOptions _store = new();
    private readonly Option<string> _format = shared.ReportFormat();

    public override Command Build()
    {
        var command = new Command("drill", "Recovery drill: could this key store decrypt every sealed document? Writes nothing")
        {
            _paths, _ref, _store.Keys, _store.Kubeconfig, _store.Context, _format,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private KeysDrillArguments Parse(ParseResult parse) => new(
        parse.GetValue(_paths) is { Length: > 0 } paths ? paths : ["."],
        parse.GetValue(_ref),
        parse.GetValue(_store.Keys) is null ? throw new UsageException("--keys is required: the key store to drill, a key directory or cluster[:NAMESPACE]") : _store.ResolveKeys(parse),
        SharedOptions.IsJson(parse, _format));

    private async Task<int> RunAsync(KeysDrillArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = Get<IKeyStoreFactory>(services).Create(args.Store);
        var loaded = await store.LoadAsync(cancellationToken);
        foreach (var problem in loaded.Problems)
        {
            await Host.Error.WriteLineAsync($"warning: key skipped: {TerminalText.Escape(problem)}");
        }

        using var ring = new KeyRing(loaded.Keys);
        var drill = new KeyDrill(Get<Unsealer>(services));
        var (report, commit) = SourceFilesAt.Use(args.Paths, args.Revision, (files, display, at) => (drill.Run(files, ring, display), at));
        cancellationToken.ThrowIfCancellationRequested();
        await Host.Out.WriteAsync(args.Json ? ManifestWriter.ToJson(ToJson(report, store.Description, args.Revision, commit)) : ToText(report, store.Description, args.Revision, commit));
        return ExitCode(report);
    }

    /// <summary>Unreadable documents first (they hide what they hold), then undecryptable ones.</summary>
    public static int ExitCode(DrillReport report) =>
        report.Count(DrillResult.Unreadable) > 0 ? ExitCodes.InvalidInput
        : report.Count(DrillResult.Fails) > 0 ? ExitCodes.DecryptionFailed
        : ExitCodes.Success;

    private static string ToText(DrillReport report, string store, string? revision, string? commit)
    {
        var output = new StringBuilder();
        output.Append($"drill of {TerminalText.Escape(store)}{(revision is null ? string.Empty : $" at {TerminalText.Escape(revision)} ({commit![..12]})")}\n");
        foreach (var document in report.Documents)
        {
            var what = document.Result switch
            {
                DrillResult.Opens => $"opens with {string.Join(", ", document.OpenedBy.Select(k => $"{k.Name} ({k.ShortFingerprint})"))}",
                DrillResult.Fails => $"FAILS: {document.Error}",
                _ => $"UNREADABLE: {document.Error}",
            };
            output.Append($"{TerminalText.Escape(document.Where)}  {TerminalText.Escape(document.Name)}  {TerminalText.Escape(what)}\n");
        }

        output.Append($"\n{Plural.Of(report.Documents.Count, "SealedSecret")}: {report.Count(DrillResult.Opens)} open, {report.Count(DrillResult.Fails)} fail, {report.Count(DrillResult.Unreadable)} unreadable\n");
        return output.ToString();
    }

    private static JsonObject ToJson(DrillReport report, string store, string? revision, string? commit) => new()
    {
        ["store"] = store,
        ["revision"] = revision,
        ["commit"] = commit,
        ["opens"] = report.Count(DrillResult.Opens),
        ["fails"] = report.Count(DrillResult.Fails),
        ["unreadable"] = report.Count(DrillResult.Unreadable),
        ["documents"] = new JsonArray(report.Documents.Select(d => (JsonNode)new JsonObject
        {
            ["file"] = d.File,
            ["document"] = d.Document + 1,
            ["name"] = d.Name,
            ["result"] = d.Result.ToString().ToLowerInvariant(),
            ["openedBy"] = new JsonArray(d.OpenedBy.Select(k => (JsonNode)new JsonObject { ["name"] = k.Name, ["fingerprint"] = k.Fingerprint }).ToArray()),
            ["failedKeys"] = new JsonArray(d.FailedKeys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
            ["error"] = d.Error,
        }).ToArray()),
    };
}
