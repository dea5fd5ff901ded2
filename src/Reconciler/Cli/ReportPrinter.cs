using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Cli;

/// <summary>Prints a sync report as a table for people or JSON for machines. Names and hashes only, never values.</summary>
public static class ReportPrinter
{
    public static string Text(SyncReport report)
    {
        report = report.ForDisplay();
        var output = new System.Text.StringBuilder();
        output.AppendLine($"revision: {report.Revision ?? "(none)"}{(report.DryRun ? " (plan: nothing applied)" : string.Empty)}");
        foreach (var error in report.Errors)
        {
            output.AppendLine($"error: {error}");
        }

        foreach (var warning in report.Warnings)
        {
            output.AppendLine($"warning: {warning}");
        }

        if (report.Targets.Count > 0)
        {
            output.AppendLine();
            output.AppendLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0,-28} {1,7} {2,7} {3,9} {4,7} {5,7} {6,6}", "TARGET", "CREATE", "UPDATE", "UNCHANGED", "DELETE", "SKIPPED", "FAILED"));
            foreach (var target in report.Targets)
            {
                output.AppendLine(string.Format(
                    System.Globalization.CultureInfo.InvariantCulture,
                    "{0,-28} {1,7} {2,7} {3,9} {4,7} {5,7} {6,6}",
                    Truncate(target.Name, 28),
                    target.Count(ChangeKind.Create),
                    target.Count(ChangeKind.Update),
                    target.Count(ChangeKind.Unchanged),
                    target.Count(ChangeKind.Delete),
                    target.Count(ChangeKind.Skipped),
                    target.Count(ChangeKind.Failed) + (target.Error is null ? 0 : 1)));
            }
        }

        foreach (var target in report.Targets)
        {
            var lines = target.Objects.Where(o => o.Kind != ChangeKind.Unchanged).ToList();
            if (lines.Count == 0 && target.Error is null && target.PruneSuspended is null && target.Rollouts.Count == 0 && target.Access.Count == 0)
            {
                continue;
            }

            output.AppendLine();
            output.AppendLine($"{target.Name} ({target.Kind}):");
            if (target.Error is not null)
            {
                output.AppendLine($"  error: {target.Error}");
            }

            if (target.PruneSuspended is not null)
            {
                output.AppendLine($"  prune suspended: {target.PruneSuspended}");
            }

            foreach (var line in lines)
            {
                var id = line.Id.Name.Length == 0 ? "-" : line.Id.ToString();
                var detail = line.Kind == ChangeKind.Failed || line.Kind == ChangeKind.Skipped
                    ? line.Message
                    : string.Join("; ", new[] { line.Diff?.ToString(), line.Message }.Where(s => !string.IsNullOrEmpty(s)));
                output.AppendLine($"  {Verb(line.Kind, report.DryRun),-9} {id}  {line.Source}  {detail}".TrimEnd());
            }

            foreach (var rollout in target.Rollouts)
            {
                var secrets = rollout.Secrets.Count > 0 ? $"Secret(s) {string.Join(", ", rollout.Secrets.Select(TerminalText.Escape))} changed" : "pod template hash out of date";
                output.AppendLine($"  {(rollout.Succeeded ? "rolled" : "failed"),-9} {TerminalText.Escape(rollout.Workload.ToString())}  {secrets}{(rollout.Error is null ? string.Empty : "; " + TerminalText.Escape(rollout.Error))}");
            }

            foreach (var line in target.Access)
            {
                output.AppendLine($"  access    {line}");
            }
        }

        output.AppendLine();
        output.AppendLine(System.FormattableString.Invariant($"RSA operations: {report.RsaOperations}, files read: {report.FilesRead}, took {report.Duration.TotalSeconds:0.00}s"));
        return output.ToString();
    }

    public static string Json(SyncReport report)
    {
        var node = new JsonObject
        {
            ["revision"] = report.Revision,
            ["dryRun"] = report.DryRun,
            ["rsaOperations"] = report.RsaOperations,
            ["filesRead"] = report.FilesRead,
            ["durationSeconds"] = Math.Round(report.Duration.TotalSeconds, 3),
            ["errors"] = new JsonArray(report.Errors.Select(e => (JsonNode?)e).ToArray()),
            ["warnings"] = new JsonArray(report.Warnings.Select(e => (JsonNode?)e).ToArray()),
            ["targets"] = new JsonArray(report.Targets.Select(t => (JsonNode?)new JsonObject
            {
                ["name"] = t.Name,
                ["kind"] = t.Kind,
                ["error"] = t.Error,
                ["pruneSuspended"] = t.PruneSuspended,
                ["access"] = new JsonArray(t.Access.Select(a => (JsonNode?)a).ToArray()),
                ["counts"] = new JsonObject(Enum.GetValues<ChangeKind>().Select(k => KeyValuePair.Create(Name(k), (JsonNode?)t.Count(k)))),
                ["objects"] = new JsonArray(t.Objects.Select(o => (JsonNode?)new JsonObject
                {
                    ["result"] = Name(o.Kind),
                    ["namespace"] = o.Id.Namespace,
                    ["name"] = o.Id.Name,
                    ["source"] = o.Source,
                    ["message"] = o.Message,
                    ["diff"] = o.Diff is null ? null : new JsonObject
                    {
                        ["keysAdded"] = Strings(o.Diff.KeysAdded),
                        ["keysRemoved"] = Strings(o.Diff.KeysRemoved),
                        ["keysChanged"] = Strings(o.Diff.KeysChanged),
                        ["typeBefore"] = o.Diff.TypeBefore,
                        ["typeAfter"] = o.Diff.TypeAfter,
                        ["labelsChanged"] = Strings(o.Diff.LabelsChanged),
                        ["annotationsChanged"] = Strings(o.Diff.AnnotationsChanged),
                    },
                }).ToArray()),
                ["rollouts"] = new JsonArray(t.Rollouts.Select(r => (JsonNode?)new JsonObject
                {
                    ["kind"] = r.Workload.Kind.ToString(),
                    ["namespace"] = r.Workload.Namespace,
                    ["name"] = r.Workload.Name,
                    ["hash"] = r.Hash,
                    ["secrets"] = Strings(r.Secrets),
                    ["error"] = r.Error,
                }).ToArray()),
            }).ToArray()),
        };
        return ManifestWriter.ToJson(node);
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private static string Name(ChangeKind kind) => kind.ToString().ToLowerInvariant();

    private static string Verb(ChangeKind kind, bool dryRun) => (kind, dryRun) switch
    {
        (ChangeKind.Create, false) => "created",
        (ChangeKind.Update, false) => "updated",
        (ChangeKind.Delete, false) => "deleted",
        (ChangeKind.Create, true) => "create",
        (ChangeKind.Update, true) => "update",
        (ChangeKind.Delete, true) => "delete",
        (ChangeKind.Skipped, _) => "skipped",
        (ChangeKind.Failed, _) => "failed",
        _ => "unchanged",
    };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
