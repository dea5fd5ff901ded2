using System.Collections.Concurrent;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A tiny worker on 127.0.0.1 with Bitnami's <c>/v1/cert.pem</c> and <c>/v1/rotate</c> (re-encrypt to the
/// newest key with <see cref="Sealer.Reseal"/>), under any path prefix, so it also stands in for the
/// Kubernetes API service proxy. Records each request's path and Authorization header. Served by
/// <see cref="LoopbackHttpServer"/> on a port the kernel picks; it starts in the constructor so tests
/// keep the plain <c>await using var server = new RotateServer(keys)</c> shape.
/// </summary>
public sealed class RotateServer : IAsyncDisposable
{
    private readonly KeyRing _keys;
    private readonly Sealer _sealer = new(Engines.Cipher("openssl"));
    private readonly LoopbackHttpServer _server;

    public RotateServer(KeyRing keys)
    {
        _keys = keys;
        _server = LoopbackHttpServer.StartAsync(HandleAsync).GetAwaiter().GetResult();
    }

    public int Port => _server.Port;

    public string Url => _server.Url;

    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        string? authorization = request.Headers.Authorization;
        Requests.Enqueue((request.Method, path + request.QueryString, authorization));
        var (status, body, type) = await RespondAsync(request, path);
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        await context.Response.WriteAsync(body, Encoding.UTF8);
    }

    private async Task<(int, string, string)> RespondAsync(HttpRequest request, string path)
    {
        // As the API server: the Service itself, which kubeseal (and so reseal) reads for its port name
        // before going through the proxy; one unnamed port, so the proxy path is http:NAME:.
        if (request.Method == "GET" && path.Split('/') is [_, "api", "v1", "namespaces", _, "services", var service])
        {
            return (200, $$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{service}}}"},"spec":{"ports":[{"port":8080}]}}""", "application/json");
        }

        if (path.EndsWith("/v1/cert.pem", StringComparison.Ordinal))
        {
            return (200, KeySecrets.CertificatePem(_keys.Newest!), "application/x-pem-file");
        }

        if (path.EndsWith("/v1/rotate", StringComparison.Ordinal) && request.Method == "POST")
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var sealedSecret = SealedSecretManifest.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(await reader.ReadToEndAsync()), "request"));
            var result = _sealer.Reseal(sealedSecret, _keys, _keys.Newest!);
            return result.Error is null
                ? (200, ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret)), "application/json")
                : (409, result.Error, "text/plain");
        }

        return (404, "not found", "text/plain");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
