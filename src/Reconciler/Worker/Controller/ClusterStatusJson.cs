using System.Text.Json.Nodes;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Worker.Controller;

/// <summary>The <c>cluster</c> section of <c>/status</c>: what the cluster source watches and how its SealedSecrets fared. Names and reasons only.</summary>
public static class ClusterStatusJson
{
    public static JsonObject Add(JsonObject status, ClusterSourceHost? host)
    {
        if (host is null)
        {
            return status;
        }

        var snapshot = host.Controller.Snapshot();
        status["cluster"] = new JsonObject
        {
            ["source"] = host.Controller.Description,
            ["ready"] = host.IsReady,
            ["sealedSecrets"] = snapshot.SealedSecrets,
            ["pending"] = snapshot.Pending,
            ["lastResults"] = new JsonObject(snapshot.LastResults.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["reconciles"] = snapshot.Reconciles,
            ["lists"] = snapshot.Lists,
            ["watchRestarts"] = snapshot.WatchRestarts,
            ["watchExpired"] = snapshot.WatchExpired,
            ["lastListAt"] = snapshot.LastListAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["lastError"] = snapshot.LastError is { } error ? TerminalText.Escape(error) : null,
            ["failures"] = new JsonArray(snapshot.Failures.Select(f => (JsonNode)new JsonObject
            {
                ["namespace"] = f.Id.Namespace,
                ["name"] = f.Id.Name,
                ["result"] = f.Kind.ToString().ToLowerInvariant(),
                ["reason"] = f.Message is { } message ? TerminalText.Escape(message) : null,
            }).ToArray()),
        };
        return status;
    }
}
