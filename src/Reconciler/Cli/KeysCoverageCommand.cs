using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Cli;

public sealed record KeysCoverageArguments(IReadOnlyList<string> Paths, IReadOnlyList<string> Keys, bool Json);

/// <summary>
/// <c>keys coverage [PATH...]</c>: which key sealed each SealedSecret (by trial with private keys, else
/// from the sealing-key annotation) and how many manifests still depend on each key, so an operator
/// knows when an old key can be retired.
/// </summary>
public sealed class KeysCoverageCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Argument<string[]> _paths = new("paths") { Description = "Files or directories to search for SealedSecrets (default: .)", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string[]> _keys = shared.Keys();
    private readonly Option<string[]> _recoveryKeys = shared.RecoveryPrivateKey();
    private readonly Option<string[]> _certs = new("--cert") { Description = "Certificate file(s) of keys (no private key: the annotation decides) (repeatable, comma-separated)" };
    private readonly Option<string> _format = shared.ReportFormat();

    public override Command Build()
    {
        var command = new Command("coverage", "Which key sealed each SealedSecret, and how many manifests still depend on each key")
        {
            _paths, _keys, _recoveryKeys, _certs, _format,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(Parse(parse), services, ct)));
        return command;
    }

    private KeysCoverageArguments Parse(ParseResult parse)
    {
        var json = SharedOptions.IsJson(parse, _format);
        var keys = SharedOptions.SplitList((parse.GetValue(_keys) ?? []).Concat(parse.GetValue(_recoveryKeys) ?? []).Concat(parse.GetValue(_certs) ?? []));
        if (keys.Count == 0)
        {
            throw new UsageException("give the keys to account for: --keys DIR, --recovery-private-key FILE or --cert FILE");
        }

        return new KeysCoverageArguments(parse.GetValue(_paths) is { Length: > 0 } paths ? paths : ["."], keys, json);
    }

    private async Task<int> RunAsync(KeysCoverageArguments args, IServiceProvider services, CancellationToken cancellationToken)
    {
        var files = ManifestFiles.Find(args.Paths);
        using var ring = KeyRingLoader.Load(args.Keys, Host.Error);
        if (ring.Count == 0)
        {
            throw new InputException("no usable key in --keys/--recovery-private-key/--cert");
        }

        var report = await new ProgressDisplay(Host).RunAsync("keys coverage", "files", progress => Task.Run(
            () => new KeyCoverage(Get<ValueCipher>(services)) { Progress = (done, all) => progress.Report(new ProgressStep(done, all)) }.Run(files, ring),
            cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var error in report.Manifests.Select(m => m.Error).OfType<string>())
        {
            await Host.Error.WriteLineAsync($"error: {error}");
        }

        var now = Host.Time.GetUtcNow();
        await Host.Out.WriteAsync(args.Json ? ManifestWriter.ToJson(ToJson(report, now)) : ToText(report, now));
        return ExitCodes.Success;
    }

    private static int? AgeDays(SealingKey key, DateTimeOffset now) => key.Certificate is null ? null : (int)Math.Floor((now - key.NotBefore).TotalDays);

    private static string ToText(CoverageReport report, DateTimeOffset now)
    {
        var output = new StringBuilder();
        var rows = new List<string[]> { new[] { "MANIFEST", "SECRET", "KEY", "FINGERPRINT", "AGE", "BY" } };
        rows.AddRange(report.Manifests.Select(m => new[]
        {
            m.Where, m.Name, m.Key?.Name ?? "(unknown)", m.Key?.ShortFingerprint ?? Short(m.Hint) ?? "-",
            m.Key is null ? "-" : AgeDays(m.Key, now) is { } age ? $"{age}d" : "?", m.Method.ToString().ToLowerInvariant(),
        }));
        Table(output, rows);
        output.Append('\n');
        var keyRows = new List<string[]> { new[] { "KEY", "FINGERPRINT", "CREATED", "AGE", "MANIFESTS", string.Empty } };
        keyRows.AddRange(report.Keys.Select(k => new[]
        {
            k.Key.Name, k.Key.ShortFingerprint, k.Key.Certificate is null ? "?" : k.Key.NotBefore.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            AgeDays(k.Key, now) is { } age ? $"{age}d" : "?", k.Manifests.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), k.Newest ? "newest (seals)" : string.Empty,
        }));
        Table(output, keyRows);
        var unknown = report.Unknown.ToList();
        output.Append($"\n{Plural.Of(report.Manifests.Count, "SealedSecret")}, {Plural.Of(report.Keys.Count, "key")}, {unknown.Count} sealed by an unknown key\n");
        foreach (var manifest in unknown)
        {
            output.Append($"unknown key: {manifest.Where}: SealedSecret {manifest.Name}{(manifest.Hint is null ? string.Empty : $" (annotation names {Short(manifest.Hint)})")}\n");
        }

        return output.ToString();
    }

    private static void Table(StringBuilder output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.Append(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }
    }

    private static JsonObject ToJson(CoverageReport report, DateTimeOffset now) => new()
    {
        ["manifests"] = new JsonArray(report.Manifests.Select(m => (JsonNode)new JsonObject
        {
            ["file"] = m.File,
            ["document"] = m.Document + 1,
            ["name"] = m.Name,
            ["key"] = m.Key?.Name,
            ["fingerprint"] = m.Key?.Fingerprint,
            ["ageDays"] = m.Key is null ? null : AgeDays(m.Key, now),
            ["method"] = m.Method.ToString().ToLowerInvariant(),
            ["annotation"] = m.Hint,
            ["error"] = m.Error,
        }).ToArray()),
        ["keys"] = new JsonArray(report.Keys.Select(k => (JsonNode)new JsonObject
        {
            ["name"] = k.Key.Name,
            ["fingerprint"] = k.Key.Fingerprint,
            ["created"] = k.Key.Certificate is null ? null : k.Key.NotBefore.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["ageDays"] = AgeDays(k.Key, now),
            ["newest"] = k.Newest,
            ["canUnseal"] = k.Key.CanUnseal,
            ["manifests"] = k.Manifests.Count,
        }).ToArray()),
        ["unknown"] = new JsonArray(report.Unknown.Select(m => (JsonNode)new JsonObject { ["file"] = m.File, ["document"] = m.Document + 1, ["name"] = m.Name, ["annotation"] = m.Hint }).ToArray()),
    };

    private static string? Short(string? fingerprint) => fingerprint is null ? null : fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;
}
