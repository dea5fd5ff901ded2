using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// <c>bitnami.com/v1alpha1</c> SealedSecrets through KubernetesClient's custom-object API: LIST, WATCH
/// with bookmarks from a resourceVersion (an ERROR event with code 410 becomes
/// <see cref="WatchExpiredException"/>), the status subresource, and Events on the SealedSecret.
/// </summary>
public sealed class KubernetesSealedSecretApi(IKubernetes client, TimeProvider time, ILogger<KubernetesSealedSecretApi> logger) : ISealedSecretApi
{
    public const string Group = "bitnami.com";
    public const string Version = "v1alpha1";
    public const string Plural = "sealedsecrets";

    /// <summary>Watches end after this long on the server side and start again from the last version seen.</summary>
    private const int WatchSeconds = 300;

    private readonly ApiCaller _api = new(new KubernetesRetryPolicy(), time, logger);
    private readonly KubernetesEventRecorder _events = new(client, time, logger);

    public string Description => $"SealedSecrets at {client.BaseUri}";

    public async Task<SealedSecretList> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        try
        {
            var list = await _api.CallAsync($"listing SealedSecrets in {(@namespace ?? "every namespace")}", ct => @namespace is null
                ? client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(Group, Version, Plural, cancellationToken: ct)
                : client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(Group, Version, @namespace, Plural, cancellationToken: ct), cancellationToken);
            var items = list.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
                ? array.EnumerateArray().Select(Read).ToList()
                : [];
            var resourceVersion = list.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? string.Empty : string.Empty;
            return new SealedSecretList(items, resourceVersion);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"listing SealedSecrets failed: {ApiCaller.Describe(e)}", e);
        }
    }

    public async IAsyncEnumerable<SealedSecretEvent> WatchAsync(string? @namespace, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Exception? failure = null;
        var changes = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(Group, Version, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: WatchSeconds, onError: e => failure ??= e, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, Version, @namespace, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: WatchSeconds, onError: e => failure ??= e, cancellationToken: cancellationToken);
        await foreach (var (type, body) in changes)
        {
            var item = body as JsonElement? ?? JsonSerializer.SerializeToElement(body);
            switch (type)
            {
                case WatchEventType.Error:
                    var code = item.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
                    var message = item.TryGetProperty("message", out var m) ? m.GetString() : null;
                    throw code == 410 ? new WatchExpiredException(message ?? "410 Gone") : new TargetException($"watching SealedSecrets failed: {code} {message}");
                case WatchEventType.Bookmark:
                    yield return new SealedSecretEvent(SealedSecretChange.Bookmark, null, ResourceVersionOf(item));
                    break;
                default:
                    var resource = Read(item);
                    var change = type switch
                    {
                        WatchEventType.Added => SealedSecretChange.Added,
                        WatchEventType.Deleted => SealedSecretChange.Deleted,
                        _ => SealedSecretChange.Modified,
                    };
                    yield return new SealedSecretEvent(change, resource, resource.ResourceVersion);
                    break;
            }
        }

        // The client hands an ERROR event's Status to onError rather than to the loop.
        if (failure is KubernetesException { Status.Code: 410 } expired)
        {
            throw new WatchExpiredException(expired.Status.Message ?? "410 Gone", expired);
        }

        if (failure is HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone } gone)
        {
            throw new WatchExpiredException(ApiCaller.Describe(gone), gone);
        }

        if (failure is not null)
        {
            throw new TargetException($"watching SealedSecrets failed: {ApiCaller.Describe(failure)}", failure);
        }
    }

    public async Task UpdateStatusAsync(ClusterSealedSecret sealedSecret, SyncedCondition condition, CancellationToken cancellationToken)
    {
        // A merge patch replaces the conditions list as a whole: Synced is the only condition Bitnami's controller keeps.
        // An empty message is left out, as Bitnami's omitempty does.
        var synced = new Dictionary<string, string>
        {
            ["type"] = "Synced",
            ["status"] = condition.Status ? "True" : "False",
            ["reason"] = condition.Reason,
            ["lastUpdateTime"] = Timestamp(condition.LastUpdateTime),
            ["lastTransitionTime"] = Timestamp(condition.LastTransitionTime),
        };
        if (condition.Message.Length > 0)
        {
            synced["message"] = condition.Message;
        }

        var patch = new Dictionary<string, object>
        {
            ["status"] = new Dictionary<string, object>
            {
                ["observedGeneration"] = sealedSecret.Generation,
                ["conditions"] = new[] { synced },
            },
        };
        try
        {
            await _api.CallAsync($"updating the status of SealedSecret {sealedSecret.Key}", ct => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch(patch, V1Patch.PatchType.MergePatch), Group, Version, sealedSecret.Namespace, Plural, sealedSecret.Name, fieldManager: KubernetesTarget.FieldManager, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"updating the status of SealedSecret {sealedSecret.Key} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    public Task RecordEventAsync(ClusterSealedSecret sealedSecret, SecretEvent secretEvent, CancellationToken cancellationToken) =>
        _events.RecordAsync(
            new V1ObjectReference { ApiVersion = $"{Group}/{Version}", Kind = "SealedSecret", Name = sealedSecret.Name, NamespaceProperty = sealedSecret.Namespace, Uid = sealedSecret.Uid, ResourceVersion = sealedSecret.ResourceVersion },
            secretEvent,
            cancellationToken);

    /// <summary>Reads what the controller needs of one object; the whole object stays JSON for the bounded manifest reader.</summary>
    public static ClusterSealedSecret Read(JsonElement item)
    {
        var metadata = item.GetProperty("metadata");
        string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
        long? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : null;

        // List items of a custom resource carry apiVersion and kind; set them anyway so the object reads as a SealedSecret manifest.
        var json = JsonSerializer.SerializeToNode(item)!.AsObject();
        json["apiVersion"] ??= $"{Group}/{Version}";
        json["kind"] ??= "SealedSecret";
        SyncedCondition? synced = null;
        long? observedGeneration = null;
        if (item.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            observedGeneration = Number(status, "observedGeneration");
            if (status.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
            {
                synced = conditions.EnumerateArray().Where(c => Text(c, "type") == "Synced").Select(c => new SyncedCondition(
                    Text(c, "status") == "True", Text(c, "reason"), Text(c, "message"), Time(Text(c, "lastUpdateTime")), Time(Text(c, "lastTransitionTime")))).FirstOrDefault();
            }
        }

        return new ClusterSealedSecret(Text(metadata, "namespace"), Text(metadata, "name"), Text(metadata, "uid"), Number(metadata, "generation") ?? 0, Text(metadata, "resourceVersion"), JsonSerializer.SerializeToUtf8Bytes(json))
        {
            Synced = synced,
            ObservedGeneration = observedGeneration,
        };
    }

    private static string ResourceVersionOf(JsonElement item) =>
        item.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? string.Empty : string.Empty;

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : DateTimeOffset.MinValue;
}
