using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>One request as the API server's audit log recorded it (Metadata level: no bodies).</summary>
public sealed record AuditEntry(string Verb, string User, string RequestUri, string? Resource, string? Namespace, string? Name, int Code, DateTimeOffset Received, DateTimeOffset Completed)
{
    public bool IsRead => Verb is "get" or "list" or "watch";

    public override string ToString() => $"{Verb} {RequestUri} -> {Code}";
}

/// <summary>
/// The API server's audit log (GITOPS_SECRETS_E2E_AUDIT_LOG: cluster.sh's, or the one CI's kind job
/// mounts from tests/cluster/kind-audit.yaml): the requests made between two marker requests, by the
/// markers' user, so a test can count what a sync really sent. Timestamps are the server's own, so no
/// clock of this machine is compared with the server's.
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

    public static string Path => RealCluster.AuditLog is { } path && File.Exists(path)
        ? path
        : throw new InvalidOperationException(
            $"no readable audit log ({RealCluster.AuditLogVariable}={RealCluster.AuditLog ?? "unset"}): tests/cluster/cluster.sh up exports it; on kind, create the cluster with tests/cluster/kind-audit.yaml and export the mounted file");

    /// <summary>Marks the start of a window with a request only this window makes (a GET of a Secret that does not exist).</summary>
    public static async Task<AuditLog> BeginAsync(IKubernetes client, string @namespace)
    {
        var path = Path;
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
            var entries = Read();
            if (entries.Any(e => e.RequestUri.Contains(end, StringComparison.Ordinal)))
            {
                return entries;
            }

            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, $"the end marker {end} did not reach the audit log {_path}");

            // A change to the file wakes us; the short timeout only guards against a missed notification.
            await changed.WaitAsync(TimeSpan.FromMilliseconds(500));
        }
    }

    private List<AuditEntry> Read()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var entries = new List<AuditEntry>();
        while (reader.ReadLine() is { } line)
        {
            if (Parse(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static AuditEntry? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.GetProperty("stage").GetString() != "ResponseComplete")
            {
                return null;
            }

            var objectRef = root.TryGetProperty("objectRef", out var o) ? o : default;
            string? Ref(string name) => objectRef.ValueKind == JsonValueKind.Object && objectRef.TryGetProperty(name, out var v) ? v.GetString() : null;
            return new AuditEntry(
                root.GetProperty("verb").GetString()!,
                root.GetProperty("user").GetProperty("username").GetString()!,
                root.GetProperty("requestURI").GetString()!,
                Ref("resource"),
                Ref("namespace"),
                Ref("name"),
                root.TryGetProperty("responseStatus", out var status) && status.TryGetProperty("code", out var code) ? code.GetInt32() : 0,
                root.GetProperty("requestReceivedTimestamp").GetDateTimeOffset(),
                root.GetProperty("stageTimestamp").GetDateTimeOffset());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // A line being written while we read it: the next read sees it whole.
            return null;
        }
    }
}
