using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

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
    string RequestUri,
    DateTimeOffset Received,
    DateTimeOffset Completed)
{
    public bool IsRead => Verb is "get" or "list" or "watch";

    /// <summary>"create secrets" or "update coordination.k8s.io/leases" — the words of an RBAC rule.</summary>
    public string Permission => $"{Verb} {(string.IsNullOrEmpty(ApiGroup) ? string.Empty : ApiGroup + "/")}{Resource}{(Subresource is null ? string.Empty : "/" + Subresource)}";

    public bool Denied => Code == 403 || Decision == "forbid";

    public override string ToString() => $"{Verb} {RequestUri} -> {Code}{(Decision is null ? string.Empty : $" ({Decision}: {Reason})")}";
}

/// <summary>
/// The API server's JSON-lines audit log (GITOPS_SECRETS_E2E_AUDIT_LOG: cluster.sh writes one; the kind
/// job mounts one out of the node, tests/cluster/kind.yaml), read as a test reads it: every completed
/// request with who made it, what it asked for and what the authorizer decided. An instance is a window
/// between two marker requests, so a test can count what a sync really sent; timestamps are the server's
/// own, so no clock of this machine is compared with the server's.
/// </summary>
public sealed class AuditLog
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _path;
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _begin;
    private readonly long _offset;

    private AuditLog(string path, IKubernetes client, string @namespace, string begin, long offset)
    {
        _path = path;
        _client = client;
        _namespace = @namespace;
        _begin = begin;
        _offset = offset;
    }

    public static string? Path => RealCluster.AuditLog is { } path && File.Exists(path) ? path : null;

    private static string RequiredPath => Path ?? throw new InvalidOperationException(
        $"no readable audit log ({RealCluster.AuditLogVariable}={RealCluster.AuditLog ?? "unset"}): tests/cluster/cluster.sh up exports it; on kind, create the cluster with tests/cluster/kind.yaml and export the mounted file");

    /// <summary>The completed requests whose log line mentions TEXT (a user name, an audit id): the log holds every client's requests.</summary>
    public static IReadOnlyList<AuditEntry> Read(string path, string text) =>
        ReadFrom(path, 0).Where(e => e.Line.Contains(text, StringComparison.Ordinal)).Select(e => e.Entry).ToList();

    /// <summary>Waits until the request with this Audit-Id (a response header) is in the log, so every earlier request is too.</summary>
    public static Task UntilLoggedAsync(string path, string auditId, TimeSpan timeout) =>
        Poll.UntilAsync(() => Read(path, auditId).Any(e => e.AuditId == auditId), timeout, () => $"audit event {auditId} in {path}");

    /// <summary>Marks the start of a window with a request only this window makes (a GET of a Secret that does not exist).</summary>
    public static async Task<AuditLog> BeginAsync(IKubernetes client, string @namespace)
    {
        var path = RequiredPath;
        var offset = new FileInfo(path).Length;
        var begin = await MarkAsync(client, @namespace);
        return new AuditLog(path, client, @namespace, begin, offset);
    }

    /// <summary>Marks the end and returns every request made in between by the markers' user.</summary>
    public async Task<IReadOnlyList<AuditEntry>> EndAsync()
    {
        var end = await MarkAsync(_client, _namespace);
        var entries = await ReadUntilAsync(end);
        var begin = entries.Single(e => e.RequestUri.Contains(_begin, StringComparison.Ordinal));
        var last = entries.Single(e => e.RequestUri.Contains(end, StringComparison.Ordinal));
        return entries
            .Where(e => e.User == begin.User && e.Received > begin.Completed && e.Received < last.Received)
            .ToList();
    }

    private static async Task<string> MarkAsync(IKubernetes client, string @namespace)
    {
        var name = $"audit-mark-{Guid.NewGuid():N}";
        try
        {
            await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Expected: the marker is the request itself.
        }

        return name;
    }

    /// <summary>The log's entries since the window began, once the end marker is in it (the server writes it after answering).</summary>
    private async Task<List<AuditEntry>> ReadUntilAsync(string end)
    {
        var directory = System.IO.Path.GetDirectoryName(_path)!;
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(_path)) { NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite };
        watcher.Changed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            var entries = ReadFrom(_path, _offset).Select(e => e.Entry).ToList();
            if (entries.Any(e => e.RequestUri.Contains(end, StringComparison.Ordinal)))
            {
                return entries;
            }

            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, $"the end marker {end} did not reach the audit log {_path}");

            // A change to the file wakes us; the short timeout only guards against a missed notification.
            await changed.WaitAsync(TimeSpan.FromMilliseconds(500));
        }
    }

    private static List<(string Line, AuditEntry Entry)> ReadFrom(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var entries = new List<(string, AuditEntry)>();
        while (reader.ReadLine() is { } line)
        {
            if (Parse(line) is { } entry)
            {
                entries.Add((line, entry));
            }
        }

        return entries;
    }

    private static AuditEntry? Parse(string line)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            // The line being written right now: the next read sees it whole.
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
            node["requestURI"]?.GetValue<string>() ?? string.Empty,
            DateTimeOffset.Parse(node["requestReceivedTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(node["stageTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
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
            Skip = $"needs the API server's audit log: set {RealCluster.AuditLogVariable} (tests/cluster/cluster.sh up prints it; kind: tests/cluster/kind.yaml)";
        }
    }
}
