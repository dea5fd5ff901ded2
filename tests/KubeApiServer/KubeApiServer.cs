using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>
/// A Kubernetes API server on 127.0.0.1 for tests, driven through the real KubernetesClient: stateful
/// namespaces, Secrets, Events, Leases and Services with the REST semantics we rely on (label
/// selectors, resourceVersion conflicts, server-side apply with field managers, generateName,
/// validation, Status bodies), watch (from a resourceVersion, bookmarks, 410 Gone after compaction), the
/// SealedSecret custom resource with a status subresource, the garbage collector (owned objects go with
/// their last owner, at once), plus fault injection and a log of every request. Simplifications, on
/// purpose: no authentication, namespaces are deleted at once with what they hold, and
/// core/v1 and events.k8s.io/v1 Events are kept apart (the real server shows one set both ways).
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<(string Namespace, string Name), RequestDelegate> _serviceHandlers = [];
    private readonly Lock _lock = new();
    private CancellationTokenSource _watches = new();

    private KubeApiServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public ResourceStore Store { get; } = new();

    public FaultInjector Faults { get; } = new();

    public RequestLog Requests { get; } = new();

    /// <summary>Starts a server on an ephemeral loopback port with the namespaces <c>default</c> and <c>kube-system</c>.</summary>
    public static async Task<KubeApiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new KubeApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        server.CreateNamespace("default");
        server.CreateNamespace("kube-system");
        return server;
    }

    /// <summary>A real client pointed at this server.</summary>
    public Kubernetes CreateClient(Action<KubernetesClientConfiguration>? configure = null)
    {
        var configuration = new KubernetesClientConfiguration { Host = BaseAddress.ToString() };
        configure?.Invoke(configuration);
        return new Kubernetes(configuration);
    }

    /// <summary>Writes a kubeconfig whose context <paramref name="contextName"/> points here, and returns its path.</summary>
    public string WriteKubeconfig(string path, string contextName = "loopback", string @namespace = "default")
    {
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: loopback
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}
            users:
            - name: loopback
              user:
                token: loopback-test-token
            contexts:
            - name: {contextName}
              context:
                cluster: loopback
                user: loopback
                namespace: {@namespace}
            current-context: {contextName}

            """;
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Requests to <c>/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/PATH</c> go to this handler, with PATH as the request path.</summary>
    public void MapServiceProxy(string @namespace, string name, RequestDelegate handler)
    {
        lock (_lock)
        {
            _serviceHandlers[(@namespace, name)] = handler;
        }
    }

    /// <summary>Breaks every open watch connection, as a restarted API server or a lost network does.</summary>
    public void DropWatches()
    {
        CancellationTokenSource old;
        lock (_lock)
        {
            old = _watches;
            _watches = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    /// <summary>Watches open now (connections streaming changes).</summary>
    public int OpenWatches => Volatile.Read(ref _openWatches);

    private int _openWatches;

    public JsonObject CreateNamespace(string name) =>
        Store.Create(ResourceTypes.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, "test-seed");

    /// <summary>Stores a Secret as another tool would have created it (manager <paramref name="manager"/>).</summary>
    public JsonObject SeedSecret(string @namespace, string name, IReadOnlyDictionary<string, string> data, IReadOnlyDictionary<string, string>? labels = null, IReadOnlyDictionary<string, string>? annotations = null, string manager = "kubectl-create", bool immutable = false, string type = "Opaque")
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is { Count: > 0 })
        {
            metadata["labels"] = new JsonObject(labels.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        if (annotations is { Count: > 0 })
        {
            metadata["annotations"] = new JsonObject(annotations.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        var secret = new JsonObject
        {
            ["metadata"] = metadata,
            ["type"] = type,
            ["data"] = new JsonObject(data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value))))),
        };
        if (immutable)
        {
            secret["immutable"] = true;
        }

        return Store.Create(ResourceTypes.Secrets, @namespace, secret, manager);
    }

    public JsonObject? Secret(string @namespace, string name) => Store.Get(ResourceTypes.Secrets, @namespace, name);

    /// <summary>A Secret's values decoded as UTF-8, in key order (null when it does not exist).</summary>
    public IReadOnlyDictionary<string, string>? SecretText(string @namespace, string name) =>
        Secret(@namespace, name) is { } secret
            ? new SortedDictionary<string, string>((secret["data"] as JsonObject ?? []).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(Convert.FromBase64String(p.Value!.GetValue<string>()))), StringComparer.Ordinal)
            : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var request = RequestParser.Parse(context.Request, body);
        Requests.Add(request);
        switch (Faults.Take(request))
        {
            case FaultAction.Drop:
                context.Abort();
                return;
            case FaultAction.Fail fail:
                if (fail.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }

                await WriteStatusAsync(context, new KubeApiException(fail.Code, ReasonFor(fail.Code), $"injected failure ({fail.Code})"));
                return;
            case FaultAction.Wait wait:
                await Task.Delay(wait.Delay, context.RequestAborted);
                break;
            case FaultAction.Hold hold:
                await hold.Gate.WaitAsync(context.RequestAborted);
                break;
        }

        try
        {
            if (request.Resource == ResourceTypes.Services && request.Subresource?.StartsWith("proxy", StringComparison.Ordinal) == true)
            {
                await ProxyAsync(context, request);
                return;
            }

            if (request.Verb == "watch" && request.Resource is { } watched)
            {
                await WatchAsync(context, request, watched);
                return;
            }

            var (code, result) = Dispatch(request);
            context.Response.StatusCode = code;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(result.ToJsonString(), context.RequestAborted);
        }
        catch (KubeApiException e)
        {
            await WriteStatusAsync(context, e);
        }
    }

    private (int Code, JsonObject Result) Dispatch(KubeRequest request)
    {
        if (request.Resource is not { } type)
        {
            throw new KubeApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (request.Subresource == "status" && type.HasStatusSubresource)
        {
            return request.Verb switch
            {
                "get" => (200, Store.Get(type, request.Namespace, request.Name!) ?? throw KubeApiException.NotFound(type.Plural, request.Name!)),
                "update" => (200, Store.WriteStatus(type, request.Namespace, request.Name!, RequestParser.ReadBody(request), merge: false, UpdateManager(request.QueryValue("fieldManager"), request))),
                "patch" when request.ContentType is RequestParser.MergePatchJson => (200, Store.WriteStatus(type, request.Namespace, request.Name!, RequestParser.ReadBody(request), merge: true, UpdateManager(request.QueryValue("fieldManager"), request))),
                _ => throw new KubeApiException(405, "MethodNotAllowed", $"{request.Verb} of status is not supported by the loopback test API server"),
            };
        }

        if (request.Subresource is not null)
        {
            throw new KubeApiException(404, "NotFound", $"the server could not find the requested resource ({request.Subresource})");
        }

        var @namespace = type.Namespaced ? request.Namespace : null;
        if (type.Namespaced && @namespace is null && request.Verb != "list")
        {
            throw new KubeApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({type.Plural} needs a namespace)");
        }

        var name = request.Name!;
        var manager = request.QueryValue("fieldManager");
        switch (request.Verb)
        {
            case "get":
                return (200, Store.Get(type, @namespace, name) ?? throw KubeApiException.NotFound(type.Plural, name));
            case "list":
                return (200, List(type, @namespace, request));
            case "create":
                return (201, Store.Create(type, @namespace, RequestParser.ReadBody(request), UpdateManager(manager, request)));
            case "update":
                return (200, Store.Update(type, @namespace, name, RequestParser.ReadBody(request), UpdateManager(manager, request)));
            case "patch" when request.ContentType is RequestParser.MergePatchJson or RequestParser.StrategicMergePatch:
                return (200, Store.Patch(type, @namespace, name, RequestParser.ReadBody(request), UpdateManager(manager, request)));
            case "patch":
                throw new KubeApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {request.ContentType})");
            case "apply":
                if (string.IsNullOrEmpty(manager))
                {
                    throw new KubeApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
                }

                var force = request.QueryValue("force") is "true";
                return (200, Store.Apply(type, @namespace, name, RequestParser.ReadBody(request), manager, force));
            case "delete":
                var options = string.IsNullOrWhiteSpace(request.Body) ? null : RequestParser.ReadBody(request);
                var preconditions = options?["preconditions"] as JsonObject;
                var deleted = Store.Delete(type, @namespace, name, preconditions?["uid"]?.GetValue<string>(), preconditions?["resourceVersion"]?.GetValue<string>());
                return (200, new JsonObject
                {
                    ["kind"] = "Status",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject(),
                    ["status"] = "Success",
                    ["details"] = new JsonObject { ["name"] = name, ["kind"] = type.Plural, ["uid"] = deleted["metadata"]?["uid"]?.DeepClone() },
                });
            default:
                throw new KubeApiException(405, "MethodNotAllowed", $"{request.Verb} is not supported by the loopback test API server");
        }
    }

    private JsonObject List(ResourceType type, string? @namespace, KubeRequest request)
    {
        var labels = LabelSelector.Parse(request.QueryValue("labelSelector"));
        var fields = FieldSelector.Parse(request.QueryValue("fieldSelector"), type);
        var resourceVersion = Store.ResourceVersion;
        var items = Store.List(type, @namespace)
            .Where(o => labels.Matches(LabelsOf(o)) && fields.Matches(o))
            .Select(o =>
            {
                // Items of a typed list carry no apiVersion and kind; a custom resource's list (unstructured) keeps them.
                if (!type.HasStatusSubresource)
                {
                    o.Remove("apiVersion");
                    o.Remove("kind");
                }

                return (JsonNode)o;
            })
            .ToArray();
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (int.TryParse(request.QueryValue("limit"), CultureInfo.InvariantCulture, out var limit) && limit > 0)
        {
            (items, var next) = Page(items, limit, request.QueryValue("continue"), resourceVersion);
            if (next is not null)
            {
                metadata["continue"] = next;
            }
        }

        return new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items),
        };
    }

    /// <summary>
    /// One page of a LIST, as the real server pages: items in key order (namespace, then name), a continue
    /// token naming the last key and the list's version, 410 Expired once that version was compacted away,
    /// 400 for a token that is not one. Unlike the real server, later pages show objects as they are now
    /// rather than at the first page's version.
    /// </summary>
    private (JsonNode[] Items, string? Next) Page(JsonNode[] items, int limit, string? token, string resourceVersion)
    {
        var ordered = items.OrderBy(KeyOf, StringComparer.Ordinal).ToList();
        var listVersion = long.Parse(resourceVersion, CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(token))
        {
            JsonObject parsed;
            try
            {
                parsed = JsonNode.Parse(Convert.FromBase64String(token))!.AsObject();
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                throw KubeApiException.BadRequest($"continue key is not valid: {e.Message}");
            }

            listVersion = (long)parsed["rv"]!;
            if (listVersion < Store.CompactedThrough)
            {
                throw new KubeApiException(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }

            var start = (string)parsed["start"]!;
            ordered = ordered.Where(i => string.CompareOrdinal(KeyOf(i), start) > 0).ToList();
        }

        var page = ordered.Take(limit).ToArray();
        if (ordered.Count <= limit)
        {
            return (page, null);
        }

        var next = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = listVersion, ["start"] = KeyOf(page[^1]) };
        return (page, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(next.ToJsonString())));
    }

    private static string KeyOf(JsonNode item) =>
        $"{(string?)item["metadata"]?["namespace"]}/{(string?)item["metadata"]?["name"]}";

    /// <summary>
    /// A watch, as the real server streams it: one JSON event per line from the resourceVersion asked
    /// (none or "0": the current objects as ADDED first), a BOOKMARK once caught up when bookmarks are
    /// allowed, until timeoutSeconds or <see cref="DropWatches"/>. A version older than the history kept
    /// is answered, like the real server, with 200 and one ERROR event carrying a 410 Status.
    /// </summary>
    private async Task WatchAsync(HttpContext context, KubeRequest request, ResourceType type)
    {
        var @namespace = type.Namespaced ? request.Namespace : null;
        var bookmarks = request.QueryValue("allowWatchBookmarks") is "true";
        var timeout = int.TryParse(request.QueryValue("timeoutSeconds"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        CancellationToken dropped;
        lock (_lock)
        {
            dropped = _watches.Token;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, dropped);
        stop.CancelAfter(timeout);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        Interlocked.Increment(ref _openWatches);
        try
        {
            long from;
            if (request.QueryValue("resourceVersion") is { Length: > 0 } asked && asked != "0")
            {
                from = long.Parse(asked, CultureInfo.InvariantCulture);
            }
            else
            {
                from = long.Parse(Store.ResourceVersion, CultureInfo.InvariantCulture);
                foreach (var current in Store.List(type, @namespace))
                {
                    await WriteEventAsync(context, "ADDED", current, stop.Token);
                }
            }

            var caughtUp = false;
            while (!stop.IsCancellationRequested)
            {
                IReadOnlyList<WatchEvent> events;
                Task next;
                long through;
                try
                {
                    (events, next, through) = Store.ChangesAfter(type, @namespace, from);
                }
                catch (KubeApiException e) when (e.Code == 410)
                {
                    await WriteEventAsync(context, "ERROR", e.ToStatus(), stop.Token);
                    return;
                }

                foreach (var change in events)
                {
                    await WriteEventAsync(context, change.Type, change.Object, stop.Token);
                    from = change.ResourceVersion;
                }

                if (bookmarks && !caughtUp)
                {
                    caughtUp = true;
                    // The version these events are complete through, not the store's current one: a change made
                    // since the snapshot above would be skipped by a client resuming from this bookmark.
                    var at = Math.Max(from, through);
                    await WriteEventAsync(context, "BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = at.ToString(CultureInfo.InvariantCulture) } }, stop.Token);
                    from = Math.Max(from, at);
                }

                await next.WaitAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (dropped.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // Timed out (the watch ends normally) or the client went away.
        }
        finally
        {
            Interlocked.Decrement(ref _openWatches);
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private async Task ProxyAsync(HttpContext context, KubeRequest request)
    {
        // NAME, NAME:PORT or SCHEME:NAME:PORT.
        var parts = request.Name!.Split(':');
        var service = parts.Length == 3 ? parts[1] : parts[0];
        if (Store.Get(ResourceTypes.Services, request.Namespace, service) is null)
        {
            throw KubeApiException.NotFound("services", service);
        }

        RequestDelegate? handler;
        lock (_lock)
        {
            handler = _serviceHandlers.GetValueOrDefault((request.Namespace!, service));
        }

        if (handler is null)
        {
            throw new KubeApiException(503, "ServiceUnavailable", $"no endpoints available for service \"{service}\"");
        }

        context.Request.Path = "/" + (request.Subresource!.Length > "proxy".Length ? request.Subresource["proxy/".Length..] : string.Empty);
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(request.Body));
        await handler(context);
    }

    private static IReadOnlyDictionary<string, string> LabelsOf(JsonObject obj) =>
        (obj["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal);

    /// <summary>The real server names a non-apply writer after its user agent (up to the first '/') when no fieldManager is given.</summary>
    private static string UpdateManager(string? manager, KubeRequest request) =>
        !string.IsNullOrEmpty(manager) ? manager
        : request.UserAgent is { Length: > 0 } agent ? agent.Split('/')[0]
        : "unknown";

    private static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };

    private static async Task WriteStatusAsync(HttpContext context, KubeApiException e)
    {
        context.Response.StatusCode = e.Code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(e.ToStatus().ToJsonString(), context.RequestAborted);
    }
}
