using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.E2E;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Notifications;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Worker.Notifications;

/// <summary>Deliveries to real loopback receivers: request shapes, signatures, retries, and a receiver that hangs.</summary>
public sealed class NotifierTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("webhook-hmac-key");
    private static readonly NotifierOptions Fast = new() { FirstRetryDelay = TimeSpan.FromMilliseconds(20) };

    private static Notifier Notifier(params (NotificationChannel Channel, NotificationConfiguration Settings)[] channels) =>
        new(channels, ["prod", "staging"], TimeProvider.System, NullLogger<Notifier>.Instance, Fast);

    private static NotificationConfiguration Settings(int maxAttempts = 5, TimeSpan? timeout = null) =>
        new() { MaxAttempts = maxAttempts, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Webhook_Applied_SignedJsonWithTheDocumentedSchema()
    {
        await using var receiver = await RecordingServer.StartAsync();
        await using (var notifier = Notifier((new WebhookChannel("hook", ["prod"], new Uri(receiver.Url + "/hook"), Secret), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:abc123"));
            await receiver.WaitForRequestsAsync(1);
        }

        var request = receiver.Requests.ShouldHaveSingleItem("the target filter keeps staging's event away");
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/hook");
        request.Headers["Content-Type"].ShouldStartWith("application/json");
        request.Headers[WebhookChannel.EventHeader].ShouldBe("applied");
        request.Headers[WebhookChannel.SignatureHeader].ShouldBe("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Secret, request.Body)), "the signature is the HMAC-SHA256 of the exact body");
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        root.GetProperty("schema").GetString().ShouldBe("gitops-secrets.io/notification/v1");
        root.GetProperty("event").GetString().ShouldBe("applied");
        root.GetProperty("state").GetString().ShouldBe("success");
        root.GetProperty("target").GetString().ShouldBe("prod");
        root.GetProperty("revision").GetString().ShouldBe("main@sha1:abc123");
        root.GetProperty("commit").GetString().ShouldBe("abc123");
        root.GetProperty("counts").GetProperty("created").GetInt32().ShouldBe(1);
        root.GetProperty("errors").GetArrayLength().ShouldBe(0);
        root.GetProperty("summary").GetString().ShouldBe("applied main@sha1:abc123 (1 created, 0 updated, 0 deleted, 0 failed)");
    }

    [Fact]
    public async Task Webhook_ReceiverFailsTwiceThenSucceeds_DeliveredOnTheThirdAttempt()
    {
        await using var receiver = await RecordingServer.StartAsync(n => n <= 2 ? 503 : 200);
        await using (var notifier = Notifier((new WebhookChannel("hook", [], new Uri(receiver.Url), Secret), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
            await receiver.WaitForRequestsAsync(4); // prod: 503, 503, 200; then staging's event
        }

        var requests = receiver.Requests;
        requests.Count.ShouldBe(4, "three attempts for the first event, one for the second");
        requests.Take(3).Select(r => r.Text).Distinct().Count().ShouldBe(1, "a retry sends the same body");
        JsonDocument.Parse(requests[3].Body).RootElement.GetProperty("target").GetString().ShouldBe("staging", "the queue keeps its order across retries");
    }

    [Fact]
    public async Task Webhook_ClientError_NotRetried()
    {
        await using var receiver = await RecordingServer.StartAsync(n => n == 1 ? 400 : 200);
        await using (var notifier = Notifier((new WebhookChannel("hook", [], new Uri(receiver.Url), Secret), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
            await receiver.WaitForRequestsAsync(2);
        }

        receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("target").GetString()).ShouldBe(["prod", "staging"], "a 400 is an answer, not an outage: the next event follows without a retry");
    }

    [Fact]
    public async Task Metrics_ReceiverFailsTwiceThenSucceeds_OneSentNoneFailed()
    {
        var metrics = new WorkerMetrics();
        await using var receiver = await RecordingServer.StartAsync(n => n <= 2 ? 503 : 200);
        await using (var notifier = MeasuredNotifier(metrics, new WebhookChannel("hook", ["prod"], new Uri(receiver.Url), Secret)))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
            await receiver.WaitForRequestsAsync(3);
            // The receiver seeing a request is not the notifier having read its answer: disposing in between cancels the delivery.
            await Poll.UntilAsync(() => Render(metrics).Contains("result=\"sent\"} 1\n", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => Render(metrics));
        }

        var text = Render(metrics);
        text.ShouldContain("gitops_secrets_notifications_total{channel=\"hook\",result=\"sent\"} 1\n", Case.Sensitive, "retries are attempts, not notifications: " + text);
        text.ShouldContain("gitops_secrets_notifications_total{channel=\"hook\",result=\"failed\"} 0\n", Case.Sensitive, text);
        text.ShouldContain("gitops_secrets_notifications_total{channel=\"hook\",result=\"dropped\"} 0\n", Case.Sensitive, text);
    }

    [Fact]
    public async Task Metrics_ClientError_OneFailedNoneSent()
    {
        var metrics = new WorkerMetrics();
        await using var receiver = await RecordingServer.StartAsync(_ => 400);
        await using (var notifier = MeasuredNotifier(metrics, new WebhookChannel("hook", ["prod"], new Uri(receiver.Url), Secret)))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
            await receiver.WaitForRequestsAsync(1);
            await Poll.UntilAsync(() => Render(metrics).Contains("result=\"failed\"} 1\n", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => Render(metrics));
        }

        var text = Render(metrics);
        text.ShouldContain("gitops_secrets_notifications_total{channel=\"hook\",result=\"failed\"} 1\n", Case.Sensitive, text);
        text.ShouldContain("gitops_secrets_notifications_total{channel=\"hook\",result=\"sent\"} 0\n", Case.Sensitive, text);
    }

    private static Notifier MeasuredNotifier(WorkerMetrics metrics, NotificationChannel channel) =>
        new([(channel, Settings())], ["prod", "staging"], TimeProvider.System, NullLogger<Notifier>.Instance, Fast, metrics: metrics);

    private static string Render(WorkerMetrics metrics)
    {
        using var ring = new KeyRing([]);
        return metrics.Render(ring, leader: true, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task Completed_OneReceiverHangs_ReturnsAtOnceAndTheOtherChannelsStillDeliver()
    {
        await using var hanging = await RecordingServer.StartAsync(_ => null);
        await using var healthy = await RecordingServer.StartAsync();
        await using var notifier = Notifier(
            (new WebhookChannel("stuck", [], new Uri(hanging.Url), Secret), Settings(timeout: TimeSpan.FromHours(1))),
            (new WebhookChannel("fine", ["prod"], new Uri(healthy.Url), Secret), Settings()));

        notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
        await hanging.WaitForRequestsAsync(1);
        notifier.Completed(NotificationStatesTests.Report("main@sha1:b", prodFails: true));
        await healthy.WaitForRequestsAsync(2);

        healthy.Requests.Select(r => r.Headers[WebhookChannel.EventHeader]).ShouldBe(["applied", "failed"], "a hanging receiver holds only its own queue");
        hanging.Requests.Count.ShouldBe(1, "the stuck channel is still waiting on its first request");
    }

    [Fact]
    public async Task Webhook_ReceiverNeverAnswers_AttemptEndsAtTheTimeoutAndIsRetried()
    {
        await using var receiver = await RecordingServer.StartAsync(n => n == 1 ? null : 200);
        await using (var notifier = Notifier((new WebhookChannel("hook", ["prod"], new Uri(receiver.Url), Secret), Settings(timeout: TimeSpan.FromMilliseconds(300)))))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:a"));
            await receiver.WaitForRequestsAsync(2);
        }

        receiver.Requests.Count.ShouldBe(2, "the unanswered attempt timed out and the second was answered");
    }

    [Fact]
    public async Task GitHub_PendingThenSuccess_PostsCommitStatusesInGitHubsShape()
    {
        await using var api = await RecordingServer.StartAsync(_ => 201);
        await using (var notifier = Notifier((new GitHubStatusChannel("gh", ["prod"], new Uri(api.Url + "/api/v3"), "acme/secrets", "ghp_token", "gitops-secrets"), Settings())))
        {
            notifier.Fetched("main@sha1:0123abcd");
            notifier.Completed(NotificationStatesTests.Report("main@sha1:0123abcd"));
            await api.WaitForRequestsAsync(2);
        }

        api.Requests.Select(r => r.Path).ShouldBe(["/api/v3/repos/acme/secrets/statuses/0123abcd", "/api/v3/repos/acme/secrets/statuses/0123abcd"]);
        var states = api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        states.Select(s => s.GetProperty("state").GetString()).ShouldBe(["pending", "success"]);
        states.ShouldAllBe(s => s.GetProperty("context").GetString() == "gitops-secrets/prod");
        states.ShouldAllBe(s => s.GetProperty("description").GetString()!.Length <= 140);
        api.Requests[0].Headers["Authorization"].ShouldBe("Bearer ghp_token");
        api.Requests[0].Headers["Accept"].ShouldBe("application/vnd.github+json");
        api.Requests[0].Headers["X-GitHub-Api-Version"].ShouldBe("2022-11-28");
        api.Requests[0].Headers["User-Agent"].ShouldStartWith("gitops-secrets");
    }

    [Fact]
    public async Task GitLab_Failure_PostsFailedToTheEncodedProjectPath()
    {
        await using var api = await RecordingServer.StartAsync(_ => 201);
        await using (var notifier = Notifier((new GitLabStatusChannel("gl", ["prod"], new Uri(api.Url + "/api/v4"), "platform/secrets", "glpat-token", "deploy"), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report("main@sha1:feed", prodFails: true));
            await api.WaitForRequestsAsync(1);
        }

        var request = api.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/api/v4/projects/platform%2Fsecrets/statuses/feed");
        request.Headers["PRIVATE-TOKEN"].ShouldBe("glpat-token");
        var body = JsonDocument.Parse(request.Body).RootElement;
        body.GetProperty("state").GetString().ShouldBe("failed", "GitLab's word for a failure");
        body.GetProperty("name").GetString().ShouldBe("deploy/prod");
    }

    [Fact]
    public async Task CommitStatus_FailureWithoutARevision_NotSentAnywhere()
    {
        await using var api = await RecordingServer.StartAsync(_ => 201);
        await using var hook = await RecordingServer.StartAsync();
        await using (var notifier = Notifier(
            (new GitHubStatusChannel("gh", ["prod"], new Uri(api.Url), "acme/secrets", "t", "gitops-secrets"), Settings()),
            (new WebhookChannel("hook", ["prod"], new Uri(hook.Url), Secret), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report(null, errors: ["source x: remote unreachable"]));
            await hook.WaitForRequestsAsync(1);
        }

        api.Requests.ShouldBeEmpty("a status needs a commit, and a sync stopped before fetching has none");
    }

    [Fact]
    public async Task Slack_Failure_TextWithSlackControlCharactersEscaped()
    {
        await using var slack = await RecordingServer.StartAsync();
        await using (var notifier = Notifier((new SlackChannel("chat", ["prod"], new Uri(slack.Url)), Settings())))
        {
            notifier.Completed(NotificationStatesTests.Report(null, errors: ["source <!channel> & co: unreachable"]));
            await slack.WaitForRequestsAsync(1);
        }

        var text = JsonDocument.Parse(slack.Requests.Single().Body).RootElement.GetProperty("text").GetString();
        text.ShouldBe(":x: gitops-secrets target *prod*: failed before a revision was fetched: source &lt;!channel&gt; &amp; co: unreachable");
    }
}
