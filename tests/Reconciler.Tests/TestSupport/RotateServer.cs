using System.Collections.Concurrent;
using System.Net;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A tiny worker on 127.0.0.1 with Bitnami's <c>/v1/cert.pem</c> and <c>/v1/rotate</c> (re-encrypt to the
/// newest key with <see cref="Sealer.Reseal"/>), under any path prefix, so it also stands in for the
/// Kubernetes API service proxy. Records each request's path and Authorization header.
/// </summary>
public sealed class RotateServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly KeyRing _keys;
    private readonly Sealer _sealer = new(Engines.Cipher("openssl"));
    private readonly Task _loop;

    public RotateServer(KeyRing keys)
    {
        _keys = keys;
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue((context.Request.HttpMethod, context.Request.RawUrl ?? path, context.Request.Headers["Authorization"]));
            var (status, body, type) = Handle(context.Request, path);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private (int, string, string) Handle(HttpListenerRequest request, string path)
    {
        // As the API server: the Service itself, which kubeseal (and so reseal) reads for its port name
        // before going through the proxy; one unnamed port, so the proxy path is http:NAME:.
        if (request.HttpMethod == "GET" && path.Split('/') is [_, "api", "v1", "namespaces", _, "services", var service])
        {
            return (200, $$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{service}}}"},"spec":{"ports":[{"port":8080}]}}""", "application/json");
        }

        if (path.EndsWith("/v1/cert.pem", StringComparison.Ordinal))
        {
            return (200, KeySecrets.CertificatePem(_keys.Newest!), "application/x-pem-file");
        }

        if (path.EndsWith("/v1/rotate", StringComparison.Ordinal) && request.HttpMethod == "POST")
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var sealedSecret = SealedSecretManifest.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(reader.ReadToEnd()), "request"));
            var result = _sealer.Reseal(sealedSecret, _keys, _keys.Newest!);
            return result.Error is null
                ? (200, ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret)), "application/json")
                : (409, result.Error, "text/plain");
        }

        return (404, "not found", "text/plain");
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
