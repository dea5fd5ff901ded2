using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Worker.Metrics;

namespace GitOpsSecrets.Worker.KeyLifecycle;

/// <summary>One step of key retirement the worker took (or failed to take).</summary>
public sealed record RetirementEvent(DateTimeOffset At, string Action, string Key, string Fingerprint, string Reason, string? Error);

/// <summary>The last recovery drill: how many sealed documents the worker's keys open at the revision it ran on.</summary>
public sealed record DrillStatus(DateTimeOffset At, string? Revision, int Opens, int Fails, int Unreadable, IReadOnlyList<string> Problems);

/// <summary>
/// What the worker's key maintenance did, for <c>/status</c> (<c>keyLifecycle</c>) and <c>/metrics</c>
/// (<c>gitops_secrets_key_retirements_total</c>, <c>gitops_secrets_drill_documents</c>). Names and
/// fingerprints only.
/// </summary>
public sealed class KeyLifecycleState
{
    private const int Kept = 20;
    private readonly Lock _lock = new();
    private readonly List<RetirementEvent> _events = [];
    private readonly Dictionary<(string Action, string Result), long> _counts = [];
    private DrillStatus? _drill;

    public DrillStatus? Drill
    {
        get
        {
            lock (_lock)
            {
                return _drill;
            }
        }
    }

    public IReadOnlyList<RetirementEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToList();
            }
        }
    }

    public void RecordDrill(DrillReport report, string? revision, DateTimeOffset at)
    {
        var problems = report.Documents.Where(d => d.Result != DrillResult.Opens).Select(d => $"{d.Where}: {d.Name}: {d.Error}").Take(Kept).ToList();
        lock (_lock)
        {
            _drill = new DrillStatus(at, revision, report.Count(DrillResult.Opens), report.Count(DrillResult.Fails), report.Count(DrillResult.Unreadable), problems);
        }
    }

    public void RecordRetirement(RetirementEvent step)
    {
        lock (_lock)
        {
            _events.Add(step);
            if (_events.Count > Kept)
            {
                _events.RemoveAt(0);
            }

            var key = (step.Action, step.Error is null ? "done" : "failed");
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    public JsonObject ToJson()
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["drill"] = _drill is not { } drill ? null : new JsonObject
                {
                    ["at"] = Time(drill.At),
                    ["revision"] = drill.Revision,
                    ["opens"] = drill.Opens,
                    ["fails"] = drill.Fails,
                    ["unreadable"] = drill.Unreadable,
                    ["problems"] = new JsonArray(drill.Problems.Select(p => (JsonNode?)p).ToArray()),
                },
                ["retirements"] = new JsonArray(_events.Select(e => (JsonNode?)new JsonObject
                {
                    ["at"] = Time(e.At),
                    ["action"] = e.Action,
                    ["key"] = e.Key,
                    ["fingerprint"] = e.Fingerprint,
                    ["reason"] = e.Reason,
                    ["error"] = e.Error,
                }).ToArray()),
            };
        }
    }

    public string RenderMetrics()
    {
        var writer = new PrometheusTextWriter();
        lock (_lock)
        {
            writer.Family("gitops_secrets_key_retirements_total", "counter", "Key retirement steps taken by the worker, by action (retire: marked compromised, delete) and result (done, failed).");
            foreach (var action in new[] { "retire", "delete" })
            {
                foreach (var result in new[] { "done", "failed" })
                {
                    writer.Sample("gitops_secrets_key_retirements_total", _counts.GetValueOrDefault((action, result)), ("action", action), ("result", result));
                }
            }

            writer.Family("gitops_secrets_drill_documents", "gauge", "The last recovery drill (run after each key change): sealed documents by result (opens, fails, unreadable); any fails means a needed key is missing.");
            writer.Sample("gitops_secrets_drill_documents", _drill?.Opens ?? 0, ("result", "opens"));
            writer.Sample("gitops_secrets_drill_documents", _drill?.Fails ?? 0, ("result", "fails"));
            writer.Sample("gitops_secrets_drill_documents", _drill?.Unreadable ?? 0, ("result", "unreadable"));
            writer.Family("gitops_secrets_drill_timestamp_seconds", "gauge", "Unix time of the last recovery drill; 0 before the first.");
            writer.Sample("gitops_secrets_drill_timestamp_seconds", _drill is { } drill ? drill.At.ToUnixTimeMilliseconds() / 1000.0 : 0);
        }

        return writer.ToString();
    }

    private static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
