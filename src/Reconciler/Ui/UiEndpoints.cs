using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GitOpsSecrets.Ui;

/// <summary>
/// Serves the web page under <c>/ui/</c>: the embedded files with a strict Content-Security-Policy
/// (scripts and styles from this origin only, no inline code, no frames, no form posts) and no cookies,
/// and <c>/ui/status.json</c> behind <see cref="UiAccess"/>. The page seals in the browser: no endpoint
/// here accepts a value.
/// </summary>
public static class UiEndpoints
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Maps the page. <paramref name="status"/> answers <c>/ui/status.json</c> (the worker's status
    /// document); null when there is no worker behind the page (the local <c>ui</c> command).
    /// </summary>
    public static void MapUi(this IEndpointRouteBuilder app, UiAccess access, Func<HttpContext, IResult>? status)
    {
        // Routing treats "/ui" and "/ui/" as one route: the page's relative links need the slash, so add it.
        app.MapGet("/ui", (HttpContext context) =>
        {
            if (context.Request.Path.Value?.EndsWith('/') == true)
            {
                return Asset(context, "index.html");
            }

            Secure(context.Response);
            return Results.Redirect("/ui/", permanent: true, preserveMethod: true);
        });
        app.MapGet("/ui/status.json", (HttpContext context) =>
        {
            Secure(context.Response);
            context.Response.Headers.CacheControl = "no-store";
            if (status is null)
            {
                return Results.Json(new { error = "no worker behind this page: the status page needs a worker (gitops-secrets run)" }, statusCode: StatusCodes.Status404NotFound);
            }

            if (!access.Allows(context.Request))
            {
                if (access.Scheme == "bearer")
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                }

                return Results.Json(new { error = "unauthorized", scheme = access.Scheme }, statusCode: StatusCodes.Status401Unauthorized);
            }

            return status(context);
        });
        app.MapGet("/ui/{file}", (HttpContext context, string file) => Asset(context, file));
    }

    /// <summary>Headers every response of the page carries.</summary>
    public static void Secure(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
    }

    private static IResult Asset(HttpContext context, string name)
    {
        Secure(context.Response);
        if (UiAssets.Find(name) is not { } asset)
        {
            return Results.Text("not found\n", statusCode: StatusCodes.Status404NotFound);
        }

        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
