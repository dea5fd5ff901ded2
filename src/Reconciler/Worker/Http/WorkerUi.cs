using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Ui;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Worker.Http;

/// <summary>The web page (the Ui room) on the worker's listener: its status data is the worker's own <c>/status</c> document.</summary>
public static class WorkerUi
{
    public static void MapWorkerUi(this WebApplication app, UiSettings settings, Func<string, string?> environment)
    {
        if (!settings.Enabled)
        {
            return;
        }

        var access = new UiAccess(settings.Auth, environment);
        app.MapUi(access, context =>
        {
            var services = context.RequestServices;
            var leadership = services.GetRequiredService<ILeadership>();
            var document = StatusJson.Write(
                services.GetRequiredService<WorkerStatus>().Snapshot(),
                leadership.IsLeader,
                leadership.Identity,
                services.GetRequiredService<WorkerReadiness>().IsReady,
                services.GetRequiredService<CurrentKeys>().Ring,
                services.GetRequiredService<TimeProvider>().GetUtcNow());
            return Results.Text(ManifestWriter.ToJson(document), "application/json");
        });
    }
}
