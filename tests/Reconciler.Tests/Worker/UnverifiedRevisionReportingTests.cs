using GitOpsSecrets.Keys;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Status;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>A sync refused by <c>source.verify</c> is visible in <c>/status</c> and <c>/metrics</c>.</summary>
public sealed class UnverifiedRevisionReportingTests
{
    private const string Refusal = "source /repo: commit 1111111111111111111111111111111111111111 (1 of 1 new since the last verified commit 2222222222222222222222222222222222222222) is not signed; source.verify (ssh) applies only commits signed by an allowed key; nothing was changed";

    private static SyncReport Refused() =>
        new(null, false, [], [Refusal], [], 0, 0, TimeSpan.FromSeconds(1)) { StoppedAt = SyncFailure.Unverified };

    [Fact]
    public void Metrics_RefusedRevision_CountedAsFailedAndUnverified()
    {
        var metrics = new WorkerMetrics();
        using var ring = new KeyRing([]);
        var before = metrics.Render(ring, leader: true, DateTimeOffset.UnixEpoch);

        metrics.RecordSync(Refused(), TimeSpan.FromSeconds(1), DateTimeOffset.UnixEpoch);
        var after = metrics.Render(ring, leader: true, DateTimeOffset.UnixEpoch);

        before.ShouldContain("\ngitops_secrets_unverified_revisions_total 0\n", Case.Sensitive, before);
        after.ShouldContain("\ngitops_secrets_unverified_revisions_total 1\n", Case.Sensitive, after);
        after.ShouldContain("gitops_secrets_syncs_total{result=\"failed\"} 1", Case.Sensitive, after);
    }

    [Fact]
    public void Status_RefusedRevision_LastSyncFailedWithTheOneLineReason()
    {
        var status = new WorkerStatus();

        status.Record(Refused(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1));

        var last = status.Snapshot().LastSync.ShouldNotBeNull();
        last.Result.ShouldBe("failed");
        last.Errors.ShouldBe([Refusal]);
    }
}
