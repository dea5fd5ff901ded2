using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// The closed loop inside a started worker: after a renewal check the newest certificate is committed to
/// a real bare remote (the sync itself reads a folder; publishing uses source.url).
/// </summary>
public sealed class CertificatePublishingTests
{
    private const string CertificatePath = "keys/sealing-cert.pem";

    [Fact]
    public async Task RenewalDue_OneCommitWithTheNewCertificateOnly_ThenASecondCheckCommitsNothing()
    {
        using var remote = new RemoteRepository();
        var initial = remote.Commit("initial", "README.md", "fleet\n");
        var cutoff = DateTimeOffset.UtcNow - TimeSpan.FromHours(1); // after the vector key (2026-11-23)
        await using var worker = await WorkerFixture.StartAsync(
            configure: c =>
            {
                Publish(c, remote);
                c.Keys.RenewPeriod = TimeSpan.FromHours(720);
                c.Keys.CutoffTime = cutoff;
            },
            // RSA-2048 keeps the test fast; publishing is what is under test.
            workerServices: services => services.AddSingleton(new RenewalSettings(TimeSpan.FromHours(720), cutoff, KeySize: 2048)));

        await worker.WaitForCertificatePublishesAsync(1);

        var keys = worker.App.Services.GetRequiredService<GitOpsSecrets.Keys.CurrentKeys>().Ring;
        keys.Count.ShouldBe(3, "the renewal added a key before the certificate was published");
        var newest = keys.Newest!;
        newest.NotBefore.ShouldBeGreaterThan(cutoff);
        var published = worker.Status.Snapshot().CertificatePublish.ShouldNotBeNull();
        published.Result.ShouldBe("published", published.Error);
        published.Key.ShouldBe(newest.ShortFingerprint);

        var head = remote.RemoteRef("main");
        GitCli.Run(remote.BarePath, "rev-parse", "main~1").ShouldBe(initial, "exactly one commit on top of what was there");
        GitCli.Run(remote.BarePath, "diff-tree", "--no-commit-id", "--name-only", "-r", "main").ShouldBe(CertificatePath, "the commit changes only the configured path");
        var servedPem = await worker.Http.GetStringAsync("/v1/cert.pem");
        (GitCli.Run(remote.BarePath, "show", $"main:{CertificatePath}") + "\n").ShouldBe(servedPem, "the file holds exactly what /v1/cert.pem serves");
        GitCli.Run(remote.BarePath, "log", "-1", "--format=%an <%ae>|%s", "main").ShouldBe($"gitops-secrets <gitops-secrets@localhost>|Publish sealing certificate {newest.ShortFingerprint}");
        AssertNoPrivateMaterial(remote, worker, newest);

        // A second check with no new key: the file already holds the newest certificate.
        await worker.App.Services.GetRequiredService<WorkerJobs>().TriggerRenewalAsync(CancellationToken.None);
        await worker.WaitForCertificatePublishesAsync(2);

        worker.Status.Snapshot().CertificatePublish!.Result.ShouldBe("unchanged");
        remote.RemoteRef("main").ShouldBe(head, "nothing is committed when the file already holds the newest certificate");
        (await worker.Http.GetStringAsync("/metrics")).ShouldContain("gitops_secrets_certificate_publishes_total{result=\"published\"} 1");
    }

    [Fact]
    public async Task RemoteMovesBetweenFetchAndPush_CommitIsRedoneOnTheNewHead_NothingLost()
    {
        using var remote = new RemoteRepository();
        remote.Commit("initial", "README.md", "fleet\n");
        var other = remote.Clone("other");
        string? racedCommit = null;
        void Race()
        {
            // Another user pushes between the worker's fetch and its push.
            File.WriteAllText(Path.Combine(other, "README.md"), "fleet, edited meanwhile\n");
            GitCli.Run(other, "commit", "--quiet", "-am", "meanwhile");
            GitCli.Run(other, "push", "--quiet", "origin", "main");
            racedCommit = GitCli.Run(other, "rev-parse", "HEAD");
        }

        // Renewal is off in the fixture: the start-up check publishes the newest key the store already holds.
        await using var worker = await WorkerFixture.StartAsync(
            configure: c => Publish(c, remote),
            workerServices: services => services.AddSingleton<IGitWriter>(new RacingWriter(new GitWriter(TimeProvider.System), Race)));

        await worker.WaitForCertificatePublishesAsync(1);

        var attempt = worker.Status.Snapshot().CertificatePublish.ShouldNotBeNull();
        attempt.Result.ShouldBe("published", attempt.Error);
        racedCommit.ShouldNotBeNull("the race ran");
        GitCli.Run(remote.BarePath, "rev-parse", "main~1").ShouldBe(racedCommit, "the certificate commit sits on top of the commit that landed meanwhile");
        GitCli.Run(remote.BarePath, "show", "main:README.md").ShouldBe("fleet, edited meanwhile", "the other user's change is kept");
        GitCli.Run(remote.BarePath, "diff-tree", "--no-commit-id", "--name-only", "-r", "main").ShouldBe(CertificatePath);
        (GitCli.Run(remote.BarePath, "show", $"main:{CertificatePath}") + "\n").ShouldBe(await worker.Http.GetStringAsync("/v1/cert.pem"));
    }

    [Fact]
    public async Task RemoteMovedSinceTheLastPublish_CloneIsUpdated_AndANewKeyIsPublishedOnTop()
    {
        using var remote = new RemoteRepository();
        remote.Commit("initial", "README.md", "fleet\n");
        await using var worker = await WorkerFixture.StartAsync(configure: c => Publish(c, remote));
        await worker.WaitForCertificatePublishesAsync(1);
        worker.Status.Snapshot().CertificatePublish!.Result.ShouldBe("published");

        // Someone else commits; then another replica adds a newer key to the shared store.
        GitCli.Run(remote.AuthorPath, "pull", "--quiet", "--ff-only", "origin", "main");
        var meanwhile = remote.Commit("meanwhile", "README.md", "fleet, edited\n");
        using (var key = new KeyGenerator(TimeProvider.System).Generate("newer", 2048))
        {
            worker.Keys.Write("newer-key.yaml", TestSupport.TestKeys.SecretManifest(key));
        }

        await worker.App.Services.GetRequiredService<WorkerJobs>().TriggerRenewalAsync(CancellationToken.None);
        await worker.WaitForCertificatePublishesAsync(2);

        var attempt = worker.Status.Snapshot().CertificatePublish!;
        attempt.Result.ShouldBe("published", attempt.Error);
        var newest = worker.App.Services.GetRequiredService<GitOpsSecrets.Keys.CurrentKeys>().Ring.Newest!;
        attempt.Key.ShouldBe(newest.ShortFingerprint, "the key another replica added is the one published");
        GitCli.Run(remote.BarePath, "rev-parse", "main~1").ShouldBe(meanwhile);
        (GitCli.Run(remote.BarePath, "show", $"main:{CertificatePath}") + "\n").ShouldBe(KeySecrets.CertificatePem(newest));
        GitCli.Run(remote.BarePath, "rev-list", "--count", "main").ShouldBe("4", "initial, first certificate, meanwhile, second certificate: nothing replaced");
    }

    [Fact]
    public async Task RemoteUnreachable_WorkerKeepsRunning_FailureInStatusMetricsAndOneLogLine()
    {
        using var remote = new RemoteRepository();
        var missing = Path.Combine(remote.Scratch("gone"), "missing.git");
        await using var worker = await WorkerFixture.StartAsync(configure: c =>
        {
            c.Source.Url = missing;
            c.Source.CacheDir = remote.Scratch("cache");
            c.Keys.PublishCertificate = new PublishCertificateConfiguration { Path = CertificatePath };
        });

        await worker.WaitForCertificatePublishesAsync(1);

        var attempt = worker.Status.Snapshot().CertificatePublish.ShouldNotBeNull();
        attempt.Result.ShouldBe("failed");
        attempt.Error.ShouldNotBeNull().ShouldContain("unreachable");
        var status = JsonNode.Parse(await worker.Http.GetStringAsync("/status"))!;
        status["certificatePublish"]!["result"]!.GetValue<string>().ShouldBe("failed");
        var next = DateTimeOffset.Parse(status["nextKeyRenewalAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        next.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow + KeyRenewalJob.RetryAfterPublishFailure, "a failed publish is retried soon, not at the next renewal");
        (await worker.Http.GetStringAsync("/metrics")).ShouldContain("gitops_secrets_certificate_publish_failures_total 1");
        (await worker.Http.GetStringAsync("/healthz")).ShouldBe("ok");
        GitOpsSecrets.Cli.StatusCommand.Text(status.AsObject()).ShouldContain($"cert push:  {status["certificatePublish"]!["at"]} failed, key ");
        (await worker.Http.GetStringAsync("/v1/cert.pem")).ShouldContain("BEGIN CERTIFICATE", customMessage: "the worker keeps serving");
        worker.Log.ToString().Split('\n').Count(l => l.Contains("Publishing sealing certificate", StringComparison.Ordinal)).ShouldBe(1);
        worker.Log.ToString().ShouldNotContain("PRIVATE KEY");
    }

    private static void Publish(WorkerConfiguration configuration, RemoteRepository remote)
    {
        configuration.Source.Url = remote.BarePath;
        configuration.Source.CacheDir = remote.Scratch("cache");
        configuration.Keys.PublishCertificate = new PublishCertificateConfiguration { Path = CertificatePath };
    }

    private static void AssertNoPrivateMaterial(RemoteRepository remote, WorkerFixture worker, SealingKey newest)
    {
        var privateLine = KeySecrets.PrivateKeyPem(newest).Split('\n')[3];
        var history = GitCli.Run(remote.BarePath, "log", "-p", "--all");
        history.ShouldNotContain("PRIVATE KEY");
        history.ShouldNotContain(privateLine);
        worker.Log.ToString().ShouldNotContain("PRIVATE KEY");
        worker.Log.ToString().ShouldNotContain(privateLine);
    }

    /// <summary>Runs <paramref name="race"/> once, after the work tree was updated and before the real writer commits and pushes.</summary>
    private sealed class RacingWriter(IGitWriter inner, Action race) : IGitWriter
    {
        private int _raced;

        public Task<GitWriteResult> CommitAndPushAsync(GitWriteRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _raced, 1) == 0)
            {
                race();
            }

            return inner.CommitAndPushAsync(request, cancellationToken);
        }
    }
}
