using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Http;

/// <summary>Ready: keys read, and the first sync tried (a replica that is not the leader has no sync to wait for).</summary>
public sealed class WorkerReadiness(CurrentKeys keys, WorkerStatus status, ILeadership leadership, Configuration.WorkerConfiguration configuration, IEnumerable<Controller.ClusterSourceHost> cluster)
{
    public bool IsReady => keys.Loaded
        && (!configuration.UsesGit || status.FirstSyncAttempted || !leadership.IsLeader)
        && cluster.All(c => c.IsReady);
}

/// <summary>
/// Every replica's HTTP surface on one port: probes, metrics, status, Bitnami's certificate, verify and
/// rotate endpoints (so kubeseal's <c>--fetch-cert</c>, <c>--validate</c> and <c>--re-encrypt</c> work
/// against the worker), and the webhook that starts a sync. No response carries a secret value: verify
/// answers with a status code alone, and rotate with ciphertext.
/// </summary>
public static class WorkerEndpoints
{
    public const string SealedSecretRateLimit = "sealed-secrets";

    /// <summary>Larger than any Secret (1 MiB) sealed, with room for the ciphertext overhead.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>Bitnami's limit on verify and rotate: 2 requests a second, bursts of 2, per client and endpoint.</summary>
    public static void AddWorkerRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SealedSecretRateLimit, context => RateLimitPartition.GetTokenBucketLimiter(
                $"{context.Request.Path}|{context.Connection.RemoteIpAddress}",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = 2,
                    TokensPerPeriod = 2,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        });

    public static void MapWorkerEndpoints(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            await next(context);
            var handler = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
            context.RequestServices.GetRequiredService<WorkerMetrics>().RecordHttp(handler, context.Request.Method, context.Response.StatusCode);
        });
        app.UseRateLimiter();

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (WorkerReadiness readiness) =>
            readiness.IsReady ? Results.Text("ok") : Results.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", (WorkerMetrics metrics, CurrentKeys keys, ILeadership leadership, TimeProvider time, KeyLifecycle.KeyLifecycleState keyLifecycle) =>
            Results.Text(metrics.Render(keys.Ring, leadership.IsLeader, time.GetUtcNow()) + keyLifecycle.RenderMetrics(), PrometheusTextWriter.ContentType));
        app.MapGet("/status", (WorkerStatus status, CurrentKeys keys, ILeadership leadership, WorkerReadiness readiness, TimeProvider time, KeyLifecycle.KeyLifecycleState keyLifecycle, IEnumerable<Controller.ClusterSourceHost> cluster) =>
        {
            var json = StatusJson.Write(status.Snapshot(), leadership.IsLeader, leadership.Identity, readiness.IsReady, keys.Ring, time.GetUtcNow());
            json["keyLifecycle"] = keyLifecycle.ToJson();
            return Results.Text(ManifestWriter.ToJson(Controller.ClusterStatusJson.Add(json, cluster.FirstOrDefault())), "application/json");
        });
        app.MapGet("/v1/cert.pem", (CurrentKeys keys) =>
            keys.Ring.Newest is { } newest
                ? Results.Text(KeySecrets.CertificatePem(newest), "application/x-pem-file")
                : Results.Text("no sealing key yet\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/v1/verify", VerifyAsync).RequireRateLimiting(SealedSecretRateLimit);
        app.MapPost("/v1/rotate", RotateAsync).RequireRateLimiting(SealedSecretRateLimit);
        app.MapPost("/hooks/sync", HookAsync);
    }

    private static async Task<IResult> VerifyAsync(HttpRequest request, SealedSecretChecks checks, CurrentKeys keys, ILoggerFactory loggers)
    {
        var (sealedSecret, error) = await ReadAsync(request);
        if (sealedSecret is null)
        {
            return error!;
        }

        try
        {
            return checks.Verify(sealedSecret, keys.Ring) ? Results.Ok() : Results.StatusCode(StatusCodes.Status409Conflict);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            loggers.CreateLogger(typeof(WorkerEndpoints)).LogError("verify failed: {Error}", e.Message);
            return Results.Text("internal error\n", statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static async Task<IResult> RotateAsync(HttpRequest request, SealedSecretChecks checks, CurrentKeys keys, ILoggerFactory loggers)
    {
        var (sealedSecret, error) = await ReadAsync(request);
        if (sealedSecret is null)
        {
            return error!;
        }

        if (keys.Ring.Newest is null)
        {
            return Results.Text("no sealing key yet\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            var result = checks.Rotate(sealedSecret, keys.Ring);
            return result.Error is { } failure
                ? Results.Text($"cannot rotate {sealedSecret.Metadata.Namespace}/{sealedSecret.Metadata.Name}: {failure}\n", statusCode: StatusCodes.Status409Conflict)
                : Results.Text(ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret)), "application/json");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            loggers.CreateLogger(typeof(WorkerEndpoints)).LogError("rotate failed: {Error}", e.Message);
            return Results.Text("internal error\n", statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static async Task<IResult> HookAsync(HttpRequest request, SyncHookToken token, ILeadership leadership, WorkerJobs jobs, Configuration.WorkerConfiguration configuration, CancellationToken cancellationToken)
    {
        // The hook starts a git sync; the cluster source alone has none (its watch sees changes at once).
        if (!token.Configured || !configuration.UsesGit)
        {
            return Results.NotFound();
        }

        if (!token.Accepts(request.Headers.Authorization.ToString()))
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Text("unauthorized\n", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (!leadership.IsLeader)
        {
            return Results.Text(ManifestWriter.ToJson(new JsonObject { ["triggered"] = false, ["reason"] = "this replica is not the leader; retry" }), "application/json", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        await jobs.TriggerSyncAsync(cancellationToken);
        return Results.Text(ManifestWriter.ToJson(new JsonObject { ["triggered"] = true }), "application/json");
    }

    /// <summary>
    /// The posted SealedSecret, or the response for a body that is not one: 500 with the decoding error, as
    /// Bitnami's controller answers (kubeseal --validate prints it), and 413 for an oversized body.
    /// </summary>
    private static async Task<(SealedSecret? SealedSecret, IResult? Error)> ReadAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, Results.Text("request body too large\n", statusCode: StatusCodes.Status413PayloadTooLarge));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return (SealedSecretChecks.Parse(buffer.ToArray()), null);
        }
        catch (InputException e)
        {
            return (null, Results.Text($"error decoding sealed secret: {e.Message}\n", statusCode: StatusCodes.Status500InternalServerError));
        }
    }
}
