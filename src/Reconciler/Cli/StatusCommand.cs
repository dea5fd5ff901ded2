using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>status</c>: asks a running worker for its <c>/status</c> and prints it as a table (or the JSON).
/// Exit code 0 when the worker answered, 7 when it could not be reached, 1 when it answered with an error.
/// </summary>
public sealed class StatusCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly Option<string> _url = new("--url") { Description = "The worker's HTTP address", DefaultValueFactory = _ => "http://localhost:8080" };
    private readonly Option<string> _format = shared.ReportFormat();

    public override Command Build()
    {
        var command = new Command("status", "Show a running worker's status: leadership, keys, last sync, and per target the revisions, counts and failures")
        {
            _url, _format,
        };
        command.SetAction(Handler((parse, services, ct) => RunAsync(parse.GetValue(_url)!, SharedOptions.IsJson(parse, _format), services, ct)));
        return command;
    }

    private async Task<int> RunAsync(string url, bool json, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/status", UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url: \"{url}\" is not an http(s) address");
        }

        string body;
        try
        {
            using var response = await services.GetRequiredService<HttpClient>().GetAsync(address, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Host.Error.WriteLineAsync($"error: {address} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                return ExitCodes.Error;
            }
        }
        catch (HttpRequestException e)
        {
            await Host.Error.WriteLineAsync($"error: cannot reach the worker at {address}: {e.Message}");
            return ExitCodes.SourceUnavailable;
        }

        JsonObject status;
        try
        {
            status = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            await Host.Error.WriteLineAsync($"error: {address} did not answer with a status document: {e.Message}");
            return ExitCodes.Error;
        }

        await Host.Out.WriteAsync(json ? status.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n" : Text(status));
        return ExitCodes.Success;
    }

    public static string Text(JsonObject status)
    {
        var text = new StringBuilder();
        var keys = status["keys"] as JsonObject;
        text.AppendLine(CultureInfo.InvariantCulture, $"worker:     {S(status["identity"])} ({(B(status["leader"]) ? "leader" : "standby")}, {(B(status["ready"]) ? "ready" : "not ready")})");
        text.AppendLine(CultureInfo.InvariantCulture, $"keys:       {S(keys?["count"])}, newest {S(keys?["newest"])} made {S(keys?["newestNotBefore"])}");
        if (status["lastSync"] is JsonObject sync)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"last sync:  {S(sync["finishedAt"])} {S(sync["result"])}, revision {S(sync["revision"])}, {S(sync["durationSeconds"])}s");
            foreach (var error in sync["errors"] as JsonArray ?? [])
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  error: {S(error)}");
            }

            foreach (var warning in sync["warnings"] as JsonArray ?? [])
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  warning: {S(warning)}");
            }
        }
        else
        {
            text.AppendLine("last sync:  (none yet)");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"next sync:  {S(status["nextSyncAt"])}");
        text.AppendLine(CultureInfo.InvariantCulture, $"next key:   {S(status["nextKeyRenewalAt"])}");
        if (status["certificatePublish"] is JsonObject publish)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"cert push:  {S(publish["at"])} {S(publish["result"])}, key {S(publish["key"])} to {S(publish["path"])} on {S(publish["branch"])}");
            if (publish["error"] is { } error)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  error: {S(error)}");
            }
        }

        var targets = (status["targets"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (targets.Count == 0)
        {
            return text.ToString();
        }

        const string Row = "{0,-24} {1,-28} {2,-28} {3,6} {4,6} {5,9} {6,6} {7,7} {8,6}";
        text.AppendLine();
        text.AppendLine(string.Format(CultureInfo.InvariantCulture, Row, "TARGET", "LAST ATTEMPTED", "LAST APPLIED", "CREATE", "UPDATE", "UNCHANGED", "DELETE", "SKIPPED", "FAILED"));
        foreach (var target in targets)
        {
            var counts = target["counts"] as JsonObject;
            text.AppendLine(string.Format(
                CultureInfo.InvariantCulture,
                Row,
                S(target["name"]),
                ShortRevision(target["lastAttemptedRevision"]),
                ShortRevision(target["lastAppliedRevision"]),
                S(counts?["create"]),
                S(counts?["update"]),
                S(counts?["unchanged"]),
                S(counts?["delete"]),
                S(counts?["skipped"]),
                S(counts?["failed"])));
        }

        foreach (var target in targets)
        {
            var failures = (target["failures"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (failures.Count == 0 && target["error"] is null)
            {
                continue;
            }

            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{S(target["name"])}:");
            if (target["error"] is { } error)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  error: {S(error)}");
            }

            foreach (var failure in failures)
            {
                var id = S(failure["name"]).Length == 0 ? "-" : $"{S(failure["namespace"])}/{S(failure["name"])}";
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  failed {id}  {S(failure["source"])}  {S(failure["reason"])}").TrimEnd());
            }
        }

        return text.ToString();
    }

    private static string ShortRevision(JsonNode? node) => S(node) is { Length: > 28 } long_ ? long_[..27] + "…" : S(node);

    private static string S(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    private static bool B(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
}
