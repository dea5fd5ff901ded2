using System.Text.Json.Nodes;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>One request as the API server's audit log (level Metadata, stage ResponseComplete) recorded it.</summary>
public sealed record AuditEntry(
    string AuditId,
    string User,
    string Verb,
    string? ApiGroup,
    string? Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    int Code,
    string? Decision,
    string? Reason,
    string RequestUri)
{
    /// <summary>"create secrets" or "update coordination.k8s.io/leases" — the words of an RBAC rule.</summary>
    public string Permission => $"{Verb} {(string.IsNullOrEmpty(ApiGroup) ? string.Empty : ApiGroup + "/")}{Resource}{(Subresource is null ? string.Empty : "/" + Subresource)}";

    public bool Denied => Code == 403 || Decision == "forbid";

    public override string ToString() => $"{Verb} {RequestUri} -> {Code} ({Decision}: {Reason})";
}

/// <summary>
/// The API server's JSON-lines audit log (GITOPS_SECRETS_E2E_AUDIT_LOG: cluster.sh writes one; the kind
/// job mounts one out of the node), read as a test reads it: every completed request with who made it,
/// what it asked for and what the authorizer decided.
/// </summary>
public static class AuditLog
{
    public static string? Path => RealCluster.AuditLog is { } path && File.Exists(path) ? path : null;

    /// <summary>The completed requests whose log line mentions TEXT (a user name, an audit id): the log holds every client's requests.</summary>
    public static IReadOnlyList<AuditEntry> Read(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var entries = new List<AuditEntry>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal) && Parse(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>Waits until the request with this Audit-Id (a response header) is in the log, so every earlier request is too.</summary>
    public static Task UntilLoggedAsync(string path, string auditId, TimeSpan timeout) =>
        Poll.UntilAsync(() => Read(path, auditId).Any(e => e.AuditId == auditId), timeout, () => $"audit event {auditId} in {path}");

    private static AuditEntry? Parse(string line)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (System.Text.Json.JsonException)
        {
            // The line being written right now.
            return null;
        }

        if (node?["stage"]?.GetValue<string>() != "ResponseComplete")
        {
            return null;
        }

        var objectRef = node["objectRef"];
        var annotations = node["annotations"];
        return new AuditEntry(
            node["auditID"]!.GetValue<string>(),
            node["user"]?["username"]?.GetValue<string>() ?? string.Empty,
            node["verb"]?.GetValue<string>() ?? string.Empty,
            objectRef?["apiGroup"]?.GetValue<string>(),
            objectRef?["resource"]?.GetValue<string>(),
            objectRef?["subresource"]?.GetValue<string>(),
            objectRef?["namespace"]?.GetValue<string>(),
            objectRef?["name"]?.GetValue<string>(),
            node["responseStatus"]?["code"]?.GetValue<int>() ?? 0,
            annotations?["authorization.k8s.io/decision"]?.GetValue<string>(),
            annotations?["authorization.k8s.io/reason"]?.GetValue<string>(),
            node["requestURI"]?.GetValue<string>() ?? string.Empty);
    }
}

/// <summary>A real-cluster test that also reads the API server's audit log; skipped with the enabling command when there is none.</summary>
public sealed class RealClusterAuditFactAttribute : FactAttribute
{
    public RealClusterAuditFactAttribute()
    {
        if (!RealCluster.IsConfigured)
        {
            Skip = RealCluster.HowToEnable;
        }
        else if (!RealCluster.StartsItself && AuditLog.Path is null)
        {
            Skip = $"needs the API server's audit log: set {RealCluster.AuditLogVariable} (tests/cluster/cluster.sh up prints it; kind: tests/cluster/kind-audit.yaml)";
        }
    }
}
