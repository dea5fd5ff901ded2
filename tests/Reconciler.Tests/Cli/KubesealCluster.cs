using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Tests.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// What kubeseal meets in a cluster, on loopback: a real worker (the vector key newest, an older test key
/// too), the test API server with the worker's Service in kube-system under kubeseal's default name and,
/// as a second controller, <c>sealing/my-sealer</c>; both Services name their port "http", as Bitnami's
/// chart does, so the proxy path must carry the port name. A kubeconfig whose context namespace is
/// <c>apps</c>, and an HTTPS server on loopback that serves the worker's certificate.
/// </summary>
public sealed class KubesealCluster : IAsyncLifetime
{
    public const string ContextNamespace = "apps";

    private readonly TempDirectory _files = new();
    private WebApplication? _https;

    public ApiServer Api { get; private set; } = null!;

    public WorkerFixture Worker { get; private set; } = null!;

    public string Kubeconfig { get; private set; } = null!;

    /// <summary>https://127.0.0.1:PORT/v1/cert.pem, served with <see cref="HttpsCertificate"/>.</summary>
    public string HttpsCertUrl { get; private set; } = null!;

    public X509Certificate2 HttpsCertificate { get; } = SelfSignedLoopbackCertificate();

    public async Task InitializeAsync()
    {
        Api = await ApiServer.StartAsync();
        Worker = await WorkerFixture.StartAsync();
        Api.CreateNamespace("sealing");
        AddService("kube-system", "sealed-secrets-controller");
        AddService("sealing", "my-sealer");
        Kubeconfig = Api.WriteKubeconfig(_files.File("kubeconfig"), "loopback", ContextNamespace);
        await StartHttpsAsync();
    }

    public async Task DisposeAsync()
    {
        if (_https is not null)
        {
            await _https.DisposeAsync();
        }

        await Worker.DisposeAsync();
        await Api.DisposeAsync();
        HttpsCertificate.Dispose();
        _files.Dispose();
    }

    /// <summary>An HttpClient service that trusts <see cref="HttpsCertificate"/>, as a system trust store would once it is installed.</summary>
    public void TrustHttpsCertificate(IServiceCollection services)
    {
        var thumbprint = HttpsCertificate.Thumbprint;
        services.AddSingleton(new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => errors == SslPolicyErrors.None || certificate?.Thumbprint == thumbprint,
        }));
    }

    private void AddService(string @namespace, string name)
    {
        Api.Store.Create(
            GitOpsSecrets.Tests.KubeApiServer.ResourceTypes.Services,
            @namespace,
            new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 8080, ["targetPort"] = 8080 }) },
            },
            "test-seed");
        Api.MapServiceProxy(@namespace, name, ForwardToWorkerAsync);
    }

    /// <summary>The API server's proxy hop: the request as it came (method, path, body, type) to the worker, its answer back as it is.</summary>
    private async Task ForwardToWorkerAsync(HttpContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(context.Request.Path + context.Request.QueryString, UriKind.Relative));
        if (HttpMethods.IsPost(context.Request.Method))
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } type)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var response = await Worker.Http.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } answerType)
        {
            context.Response.ContentType = answerType.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private async Task StartHttpsAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(HttpsCertificate)));
        _https = builder.Build();
        _https.Run(ForwardToWorkerAsync);
        await _https.StartAsync();
        var address = _https.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpsCertUrl = address.TrimEnd('/') + "/v1/cert.pem";
    }

    private static X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Kestrel needs the private key in a form the platform's TLS stack can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
