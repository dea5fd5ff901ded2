using System.CommandLine;
using System.Text.Json.Nodes;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.WriteBack;

namespace GitOpsSecrets.Cli;

public sealed record ResealArguments(
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Keys,
    string? ControllerUrl,
    string ControllerName,
    string ControllerNamespace,
    string? Kubeconfig,
    string? Context,
    bool Check,
    bool Json,
    WriteBackSettings? WriteBack);

/// <summary>
/// <c>reseal [PATH...]</c>: re-encrypt every SealedSecret under the paths to the newest key, in place,
/// with private keys here or through a worker's <c>/v1/rotate</c>. <c>--check</c> rewrites nothing and
/// exits 6 while anything is sealed to an older key: a CI gate.
/// </summary>
public sealed class ResealCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public const string DefaultControllerName = ControllerDefaults.ServiceName;

    private readonly Argument<string[]> _paths = new("paths") { Description = "Files or directories to search for SealedSecrets (default: .)", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string?> _controllerUrl = new("--controller-url") { Description = "Re-encrypt through this worker's /v1/rotate (e.g. http://gitops-secrets:8080)" };
    private readonly Option<string?> _controllerName = new("--controller-name") { Description = $"Service of the worker, reached through the Kubernetes API proxy (default {DefaultControllerName})" };
    private readonly Option<string?> _controllerNamespace = new("--controller-namespace") { Description = $"Namespace of that Service (default {ControllerDefaults.Namespace}, where deploy/ installs it)" };
    private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "Kubeconfig for the API proxy (default $KUBECONFIG, then ~/.kube/config)" };
    private readonly Option<string?> _context = new("--context") { Description = "Kubeconfig context for the API proxy" };
    private readonly Option<bool> _check = new("--check") { Description = "Rewrite nothing; list what is sealed to an older key and exit 6 if anything is" };
    private readonly WriteBackOptions _writeBack = new("Reseal {secrets} SealedSecret(s) in {files} file(s) to key {key}");
    private readonly Option<string> _format = shared.ReportFormat();

    public override Command Build()
    {
        var command = new Command("reseal", "Re-encrypt SealedSecret files in place to the newest key (only the sealed values and the sealing-key annotation change)")
        {
            _paths, _recoveryKeys, _keys, _controllerUrl, _controllerName, _controllerNamespace, _kubeconfig, _context, _check, _format,
        };
        _writeBack.AddTo(command);
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private ResealArguments Parse(ParseResult parse)
    {
        var json = SharedOptions.IsJson(parse, _format);
        var keys = SharedOptions.SplitList((parse.GetValue(_keys) ?? []).Concat(parse.GetValue(_recoveryKeys) ?? []));
        var url = parse.GetValue(_controllerUrl);
        var proxyFlags = new[] { parse.GetValue(_controllerName), parse.GetValue(_controllerNamespace), parse.GetValue(_kubeconfig), parse.GetValue(_context) }.Any(v => v is not null);
        if ((keys.Count > 0 ? 1 : 0) + (url is not null ? 1 : 0) + (proxyFlags ? 1 : 0) > 1)
        {
            throw new UsageException("choose one way to re-encrypt: private keys (--recovery-private-key/--keys), --controller-url, or the API proxy (--controller-name/--controller-namespace/--kubeconfig/--context)");
        }

        var writeBack = _writeBack.Resolve(parse, Host);
        if (writeBack is not null && parse.GetValue(_check))
        {
            throw new UsageException("--check rewrites nothing, so there is nothing to --commit or --push");
        }

        var paths = parse.GetValue(_paths) is { Length: > 0 } given ? given : ["."];
        return new ResealArguments(
            paths,
            keys,
            url,
            parse.GetValue(_controllerName) ?? DefaultControllerName,
            parse.GetValue(_controllerNamespace) ?? ControllerDefaults.Namespace,
            parse.GetValue(_kubeconfig),
            parse.GetValue(_context),
            parse.GetValue(_check),
            json,
            writeBack);
    }

    private async Task<int> RunAsync(ResealArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var files = ManifestFiles.Find(args.Paths);
        using var ring = args.Keys.Count > 0 ? KeyRingLoader.Load(args.Keys, Host.Error) : KeyRing.Empty;
        using var controller = args.Keys.Count > 0 ? null : await ControllerConnection.OpenAsync(
            Host,
            new ControllerTarget(args.ControllerUrl, args.ControllerName, args.ControllerNamespace, args.Kubeconfig, args.Context),
            Get<HttpClient>(services),
            "pass --recovery-private-key/--keys or --controller-url instead",
            cancellationToken);
        ISealedSecretRotator rotator = controller is null ? new LocalRotator(Get<Sealer>(services), ring) : new RemoteRotator(controller.Client);

        var (report, written) = await new ProgressDisplay(Host).RunAsync<(ResealReport, GitWriteResult?)>("reseal", "files", async progress =>
        {
            var resealer = new Resealer(rotator) { Progress = (done, all) => progress.Report(new ProgressStep(done, all)) };
            return args.WriteBack is { } writeBack
                ? await resealer.ResealAndCommitAsync(args.Paths, writeBack, Get<IWriteBackService>(services), cancellationToken)
                : (await resealer.RunAsync(files, args.Check, cancellationToken), null);
        });

        foreach (var error in report.Documents.Where(d => d.Error is not null).Select(d => d.Error).Concat(report.Files.Select(f => f.Error)).OfType<string>().Distinct())
        {
            await Host.Error.WriteLineAsync($"error: {error}");
        }

        await Host.Out.WriteAsync(args.Json ? ManifestWriter.ToJson(ToJson(report, written)) : ToText(report) + CommitLine(written, report));
        return report.Failed > 0 ? ExitCodes.PartialFailure
            : args.Check && report.Pending > 0 ? ExitCodes.ChangesPending
            : ExitCodes.Success;
    }

    private static string CommitLine(GitWriteResult? written, ResealReport report) => written switch
    {
        null => string.Empty,
        { Commit: null } when report.Failed > 0 => "not committed: some SealedSecrets failed (the other files are rewritten in the work tree)\n",
        { Commit: null } => "nothing to commit\n",
        { Pushed: true } => $"committed {written.Commit![..12]} and pushed ({Plural.Of(written.Attempts, "attempt")})\n",
        _ => $"committed {written.Commit![..12]}\n",
    };

    private static string ToText(ResealReport report)
    {
        var output = new System.Text.StringBuilder();
        foreach (var document in report.Documents.Where(d => d.State is ResealState.Resealed or ResealState.Pending))
        {
            var previous = document.PreviousKeys.Where(k => k != report.NewestFingerprint).Select(Short).ToList();
            var why = previous.Count > 0 ? $"sealed to older key {string.Join(", ", previous)}"
                : document.RewrittenValues > 0 ? "sealed to an older key"
                : "sealing-key annotation missing or stale";
            var verb = document.State == ResealState.Resealed ? "resealed" : report.Check ? "stale" : "not written";
            output.Append($"{verb}: {document.Where}: SealedSecret {document.Name}: {why}");
            output.Append(document.RewrittenValues > 0 ? $" ({document.RewrittenValues} of {Plural.Of(document.Values, "value")})\n" : "\n");
        }

        output.Append($"files: {report.FilesScanned} ({report.FilesWithSealedSecrets} with SealedSecrets), SealedSecrets: {report.SealedSecrets}, values: {report.Values}, ");
        output.Append(report.Check
            ? $"stale: {report.Pending}, current: {report.Current}, failed: {report.Failed}"
            : $"rewritten: {report.Resealed} ({report.RewrittenValues} values in {report.FilesRewritten} files), skipped: {report.Current} (current), not written: {report.Pending}, failed: {report.Failed}");
        output.Append($"; newest key {Short(report.NewestFingerprint)}\n");
        return output.ToString();
    }

    private static JsonObject ToJson(ResealReport report, GitWriteResult? written) => new()
    {
        ["commit"] = written?.Commit,
        ["pushed"] = written?.Pushed,
        ["newestKey"] = report.NewestFingerprint,
        ["check"] = report.Check,
        ["files"] = report.FilesScanned,
        ["filesWithSealedSecrets"] = report.FilesWithSealedSecrets,
        ["sealedSecrets"] = report.SealedSecrets,
        ["values"] = report.Values,
        ["rewritten"] = report.Resealed,
        ["rewrittenValues"] = report.RewrittenValues,
        ["filesRewritten"] = report.FilesRewritten,
        ["skipped"] = report.Current,
        ["pending"] = report.Pending,
        ["failed"] = report.Failed,
        ["documents"] = new JsonArray(report.Documents.Where(d => d.State != ResealState.Current).Select(d => (JsonNode)new JsonObject
        {
            ["file"] = d.File,
            ["document"] = d.Document + 1,
            ["line"] = d.Line,
            ["name"] = d.Name,
            ["state"] = d.State.ToString().ToLowerInvariant(),
            ["values"] = d.Values,
            ["rewrittenValues"] = d.RewrittenValues,
            ["previousKeys"] = new JsonArray(d.PreviousKeys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()),
            ["error"] = d.Error,
        }).ToArray()),
        ["fileErrors"] = new JsonArray(report.Files.Where(f => f.Error is not null).Select(f => (JsonNode)new JsonObject { ["file"] = f.File, ["error"] = f.Error }).ToArray()),
    };

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;
}
