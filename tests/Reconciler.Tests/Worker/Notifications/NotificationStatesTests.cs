using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Worker.Notifications;

namespace GitOpsSecrets.Tests.Worker.Notifications;

/// <summary>State changes only: one notification per change of a target's outcome or applied revision.</summary>
public sealed class NotificationStatesTests
{
    private readonly NotificationStates _states = new(["prod", "staging"], TimeProvider.System);

    internal static SyncReport Report(string? revision, bool prodFails = false, IReadOnlyList<string>? errors = null) => new(
        revision,
        false,
        revision is null ? [] :
        [
            new TargetReport("prod", "directory", [new ObjectResult(prodFails ? ChangeKind.Failed : ChangeKind.Create, new SecretId("apps", "db"), "apps/db.yaml", null, prodFails ? "apps/db.yaml: no key opens encryptedData.password" : null)], null, null),
            new TargetReport("staging", "directory", [new ObjectResult(ChangeKind.Unchanged, new SecretId("apps", "db"), "apps/db.yaml", null, null)], null, null),
        ],
        errors ?? [],
        [],
        0,
        0,
        TimeSpan.FromSeconds(1));

    [Fact]
    public void Completed_SequenceOfOutcomes_OnlyChangesAreReported()
    {
        var kinds = new List<string>();
        void Step(SyncReport report) => kinds.Add(string.Join(",", _states.Completed(report).Select(e => $"{e.Target}:{e.EventName}")));

        Step(Report("main@sha1:a"));                       // first sight: applied, both
        Step(Report("main@sha1:a"));                       // same again: nothing
        Step(Report("main@sha1:b", prodFails: true));      // prod fails, staging applies b
        Step(Report("main@sha1:b", prodFails: true));      // same failure: nothing
        Step(Report("main@sha1:c", prodFails: true));      // a new revision fails too: reported once more
        Step(Report(null, errors: ["source x: remote unreachable"])); // staging's first failure; prod already failing at c
        Step(Report(null, errors: ["source x: remote unreachable"])); // nothing
        Step(Report("main@sha1:c"));                       // both recover

        kinds.ShouldBe(
            [
                "prod:applied,staging:applied",
                string.Empty,
                "prod:failed,staging:applied",
                string.Empty,
                "prod:failed,staging:applied",
                "staging:failed",
                string.Empty,
                "prod:recovered,staging:recovered",
            ],
            "each line is what one sync reported");
    }

    [Fact]
    public void Completed_EventCarriesRevisionCommitCountsAndOneLineReasons()
    {
        _states.Completed(Report("main@sha1:a"));

        var failed = _states.Completed(Report("main@sha1:b", prodFails: true)).Single(e => e.Target == "prod");

        failed.Kind.ShouldBe(NotificationKind.Failed);
        failed.State.ShouldBe("failure");
        failed.Revision.ShouldBe("main@sha1:b");
        failed.Commit.ShouldBe("b");
        failed.Counts.ShouldBe(new NotificationCounts(0, 0, 0, 0, 1));
        failed.Errors.ShouldBe(["apps/db: apps/db.yaml: no key opens encryptedData.password"]);
    }

    [Fact]
    public void Fetched_NewRevision_PendingOncePerTargetAndNotForTheAppliedOne()
    {
        _states.Completed(Report("main@sha1:a"));

        _states.Fetched("main@sha1:a").ShouldBeEmpty("the applied revision is not pending again");
        _states.Fetched("main@sha1:b").Select(e => (e.Target, e.State, e.Commit)).ShouldBe([("prod", "pending", "b"), ("staging", "pending", "b")]);
        _states.Fetched("main@sha1:b").ShouldBeEmpty("pending is sent once per revision");
    }

    [Fact]
    public void Completed_DryRun_ReportsNothing()
    {
        _states.Completed(Report("main@sha1:a") with { DryRun = true }).ShouldBeEmpty();
    }
}
