using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Worker.Status;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>What <see cref="WorkerStatus.Record"/> keeps from a sync report.</summary>
public sealed class WorkerStatusRecordTests
{
    [Fact]
    public void Record_TwoUnreadableFilesInOneSync_BothListedAsFailures_AndTheSecretsListOnlyNamesSecrets()
    {
        var noSecret = new SecretId(string.Empty, string.Empty);
        var target = new TargetReport(
            "memory",
            "directory",
            [
                new ObjectResult(ChangeKind.Failed, noSecret, "apps/bomb.yaml", null, "excessive aliasing"),
                new ObjectResult(ChangeKind.Failed, noSecret, "apps/over-limit.yaml", null, "larger than the limit"),
                new ObjectResult(ChangeKind.Create, new SecretId("apps", "api"), "apps/api.yaml#1", null, null),
            ],
            PruneSuspended: "apps/bomb.yaml could not be read",
            Error: null);
        var status = new WorkerStatus();

        // Twice: the second record merges with the first one's Secrets.
        status.Record(new SyncReport("main@sha1:1", false, [target], [], [], 1, 3, TimeSpan.FromSeconds(1)), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1));
        status.Record(new SyncReport("main@sha1:1", false, [target], [], [], 0, 3, TimeSpan.FromSeconds(1)), DateTimeOffset.UnixEpoch.AddSeconds(2), DateTimeOffset.UnixEpoch.AddSeconds(3));

        var snapshot = status.Snapshot();
        snapshot.LastSync.ShouldNotBeNull().Result.ShouldBe("partial", "two files failed and one Secret was applied");
        var recorded = snapshot.Targets.ShouldHaveSingleItem();
        recorded.Failures.Select(f => f.Source).ShouldBe(["apps/bomb.yaml", "apps/over-limit.yaml"], "both file-level failures are listed");
        recorded.Secrets.ShouldNotBeNull().Select(s => $"{s.Namespace}/{s.Name}").ShouldBe(["apps/api"], "a failure that names no Secret is not a Secret");
    }

    [Fact]
    public void Record_WithNobodyListening_StillCountsEverySyncAndPublish()
    {
        // A hook's sync recorded before a test (or /status reader) subscribed once went uncounted.
        var status = new WorkerStatus();
        var report = new SyncReport("main@sha1:1", false, [], [], [], 0, 0, TimeSpan.Zero);

        status.Record(report, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        status.RecordAbandoned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "sync stopped: the worker is stopping");
        status.RecordCertificatePublish(new CertificatePublishStatus(DateTimeOffset.UnixEpoch, "published", "abc", "cert.pem", "main", null, null));

        status.Syncs.ShouldBe(2);
        status.CertificatePublishes.ShouldBe(1);
    }
}
