using GitOpsSecrets.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Ui;

/// <summary>
/// The page without a worker (<c>gitops-secrets ui</c>): the seal page and the certificate it seals
/// with at <c>/v1/cert.pem</c>, the same path the worker serves, so the page is the same file in both.
/// </summary>
public static class LocalUiServer
{
    public static WebApplication Build(SealingKey key, string listenUrl)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "gitops-secrets", Args = [] });
        builder.WebHost.UseUrls(listenUrl);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var pem = KeySecrets.CertificatePem(key);
        app.MapGet("/", () => Results.Redirect("/ui/"));
        app.MapGet("/v1/cert.pem", (HttpContext context) =>
        {
            UiEndpoints.Secure(context.Response);
            return Results.Text(pem, "application/x-pem-file");
        });
        app.MapUi(UiAccess.Open, status: null);
        return app;
    }

    /// <summary>Where the page is served, once started (port 0 reads back as the port the kernel picked).</summary>
    public static Uri PageAddress(WebApplication app) => new(new Uri(app.Urls.First()), "/ui/");
}
