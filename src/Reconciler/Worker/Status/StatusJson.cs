using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;

namespace GitOpsSecrets.Worker.Status;

/// <summary>The <c>/status</c> document: leadership, readiness, keys, the last sync and every target.</summary>
public static class StatusJson
{
    public static JsonObject Write(StatusSnapshot status, bool leader, string identity, bool ready, KeyRing keys, DateTimeOffset now)
    {
        var newest = keys.Newest;
        return new JsonObject
        {
            ["identity"] = identity,
            ["leader"] = leader,
            ["ready"] = ready,
            ["keys"] = new JsonObject
            {
                ["count"] = keys.Count,
                ["newest"] = newest?.ShortFingerprint,
                ["newestNotBefore"] = Time(newest?.NotBefore),
                ["newestAgeSeconds"] = newest is null ? null : Math.Round((now - newest.NotBefore).TotalSeconds),
                ["list"] = new JsonArray(keys.Keys.OrderByDescending(k => k.NotBefore).Select(k => (JsonNode?)new JsonObject
                {
                    ["fingerprint"] = k.ShortFingerprint,
                    ["notBefore"] = k.Certificate is null ? null : Time(k.NotBefore),
                    ["ageSeconds"] = k.Certificate is null ? null : Math.Round((now - k.NotBefore).TotalSeconds),
                    ["notAfter"] = k.Certificate is null ? null : Time(new DateTimeOffset(k.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)),
                    ["canUnseal"] = k.CanUnseal,
                }).ToArray()),
            },
            ["lastSync"] = status.LastSync is not { } sync ? null : new JsonObject
            {
                ["startedAt"] = Time(sync.StartedAt),
                ["finishedAt"] = Time(sync.FinishedAt),
                ["durationSeconds"] = Math.Round((sync.FinishedAt - sync.StartedAt).TotalSeconds, 3),
                ["revision"] = sync.Revision,
                ["result"] = sync.Result,
                ["errors"] = Strings(sync.Errors),
                ["warnings"] = Strings(sync.Warnings),
            },
            ["lastSuccessAt"] = Time(status.LastSuccessAt),
            ["nextSyncAt"] = Time(status.NextSyncAt),
            ["nextKeyRenewalAt"] = Time(status.NextKeyRenewalAt),
            ["certificatePublish"] = status.CertificatePublish is not { } publish ? null : new JsonObject
            {
                ["at"] = Time(publish.At),
                ["result"] = publish.Result,
                ["key"] = publish.Key,
                ["path"] = publish.Path,
                ["branch"] = publish.Branch,
                ["commit"] = publish.Commit,
                ["error"] = publish.Error,
            },
            ["targets"] = new JsonArray(status.Targets.Select(t => (JsonNode?)new JsonObject
            {
                ["name"] = t.Name,
                ["kind"] = t.Kind,
                ["lastAttemptedRevision"] = t.LastAttemptedRevision,
                ["lastAttemptedAt"] = Time(t.LastAttemptedAt),
                ["lastAppliedRevision"] = t.LastAppliedRevision,
                ["lastAppliedAt"] = Time(t.LastAppliedAt),
                ["counts"] = new JsonObject(t.Counts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
                ["error"] = t.Error,
                ["failures"] = new JsonArray(t.Failures.Select(f => (JsonNode?)new JsonObject
                {
                    ["namespace"] = f.Namespace,
                    ["name"] = f.Name,
                    ["source"] = f.Source,
                    ["reason"] = f.Reason,
                }).ToArray()),
                ["secrets"] = new JsonArray((t.Secrets ?? []).Select(s => (JsonNode?)new JsonObject
                {
                    ["namespace"] = s.Namespace,
                    ["name"] = s.Name,
                    ["state"] = s.State,
                    ["source"] = s.Source,
                    ["sealedBy"] = Strings(s.SealedBy),
                    ["lastChangeAt"] = Time(s.LastChangeAt),
                    ["message"] = s.Message,
                    ["access"] = Access(s.Access),
                }).ToArray()),
            }).ToArray()),
        };
    }

    private static string? Time(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>A SharedSecret's access rules: verbs and subjects' names only; null for a plain SealedSecret.</summary>
    private static JsonArray? Access(IReadOnlyList<Sync.SharedAccessSummary>? access) => access is null ? null : new(access.Select(a => (JsonNode?)new JsonObject
    {
        ["verbs"] = Strings(a.Verbs),
        ["users"] = Strings(a.Users),
        ["groups"] = Strings(a.Groups),
        ["teams"] = Strings(a.Teams),
        ["serviceAccounts"] = Strings(a.ServiceAccounts),
    }).ToArray());

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());
}
