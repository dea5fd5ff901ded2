using System.Text;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Worker.Notifications;

/// <summary>
/// The running worker with <c>notifications:</c>: state changes reach the receivers, a hanging receiver
/// never holds up a sync, and no value planted in the SealedSecrets appears in any request.
/// </summary>
public sealed class WorkerNotificationTests
{
    [Fact]
    public async Task Run_WithAHangingReceiver_SyncsGoOnAndOnlyStateChangesAreSentWithoutValues()
    {
        await using var hook = await RecordingServer.StartAsync();
        await using var github = await RecordingServer.StartAsync(_ => 201);
        await using var hanging = await RecordingServer.StartAsync(_ => null);
        using var secrets = new TestSupport.TempDirectory();
        var hookSecret = secrets.Write("hook-secret", "hmac-key\n");
        var token = secrets.Write("token", "ghp_worker\n");
        await using var worker = await WorkerFixture.StartAsync(
            configure: c => c.Notifications =
            [
                new NotificationConfiguration { Name = "hook", Kind = "webhook", Url = hook.Url, SecretFile = hookSecret },
                new NotificationConfiguration { Name = "gh", Kind = "github", ApiUrl = github.Url, Repository = "acme/secrets", TokenFile = token },
                new NotificationConfiguration { Name = "stuck", Kind = "webhook", Url = hanging.Url, SecretFile = hookSecret, Timeout = TimeSpan.FromHours(1) },
            ],
            workerServices: services => services.AddSingleton(new NotifierOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(20) }),
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));
        var jobs = worker.App.Services.GetRequiredService<WorkerJobs>();

        await worker.WaitForSyncsAsync(1);
        await hook.WaitForRequestsAsync(1);
        await github.WaitForRequestsAsync(2);
        await hanging.WaitForRequestsAsync(1);
        await jobs.TriggerSyncAsync(CancellationToken.None);
        await worker.WaitForSyncsAsync(2); // the stuck receiver still holds its first request
        worker.Source.Unreachable = true;
        await jobs.TriggerSyncAsync(CancellationToken.None);
        await worker.WaitForSyncsAsync(3);
        await jobs.TriggerSyncAsync(CancellationToken.None);
        await worker.WaitForSyncsAsync(4);
        worker.Source.Unreachable = false;
        await jobs.TriggerSyncAsync(CancellationToken.None);
        await worker.WaitForSyncsAsync(5);
        await hook.WaitForRequestsAsync(3);
        await github.WaitForRequestsAsync(3);

        hook.Requests.Select(r => r.Headers[WebhookChannel.EventHeader]).ShouldBe(["applied", "failed", "recovered"], "five syncs, three state changes: unchanged and repeated failures send nothing");
        github.Requests.Select(r => (r.Path, State: System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("state").GetString()))
            .ShouldBe(
                [("/repos/acme/secrets/statuses/c1", "pending"), ("/repos/acme/secrets/statuses/c1", "success"), ("/repos/acme/secrets/statuses/c1", "success")],
                "an unreachable source marks no commit failed (it names none); the recovery confirms c1 again");
        hanging.Requests.Count.ShouldBe(1, "the stuck receiver never answered, and syncs went on");
        var planted = Encoding.UTF8.GetBytes(WorkerFixture.PlantedValue);
        foreach (var request in hook.Requests.Concat(github.Requests).Concat(hanging.Requests))
        {
            request.Text.ShouldNotContain(WorkerFixture.PlantedValue, Case.Sensitive, "a notification never carries a value");
            request.Text.ShouldNotContain(Convert.ToBase64String(planted), Case.Sensitive, "not even base64-encoded");
            string.Join("\n", request.Headers.Values).ShouldNotContain(WorkerFixture.PlantedValue);
        }

        worker.Log.ToString().ShouldNotContain("ghp_worker", Case.Sensitive, "tokens never reach the log");
    }
}
