using GitOpsSecrets.Restarts;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.Restarts;

public sealed class RestartPlannerTests
{
    private static readonly SecretId Db = new("shop", "db");
    private static readonly SecretId Api = new("shop", "api");

    [Fact]
    public void Plan_UsedEnvKeyChanged_RollsWithHashOfThatKeyOnly()
    {
        var states = States(before: [(Db, Keys(("password", "h1"), ("user", "u1")))], after: [(Db, Keys(("password", "h2"), ("user", "u1")))]);

        var rollout = RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Only("db", "password")), states);

        rollout.ShouldNotBeNull("the key the workload reads changed");
        rollout.Secrets.ShouldBe(["db"]);
        var otherUserValue = States(before: [(Db, Keys(("password", "h1"), ("user", "u1")))], after: [(Db, Keys(("password", "h2"), ("user", "OTHER")))]);
        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Only("db", "password")), otherUserValue)!.Hash
            .ShouldBe(rollout.Hash, "the hash covers only the used key, so another key's value does not enter it");
    }

    [Fact]
    public void Plan_UnusedKeyChanged_RollsNothing()
    {
        var states = States(before: [(Db, Keys(("password", "h1"), ("user", "u1")))], after: [(Db, Keys(("password", "h1"), ("user", "u2")))]);

        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Only("db", "password")), states)
            .ShouldBeNull("only user changed, and the workload reads password alone");
    }

    [Fact]
    public void Plan_AnnotationAlreadyHoldsHash_RollsNothing()
    {
        var states = States(before: [(Db, Keys(("password", "h1")))], after: [(Db, Keys(("password", "h2")))]);
        var first = RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Whole("db")), states)!;

        RestartPlanner.Plan(Deployment("web", "true", first.Hash, SecretUse.Whole("db")), states)
            .ShouldBeNull("a replay (or a second replica) finds the hash already on the pod template");
    }

    [Fact]
    public void Plan_StaleAnnotationAndNothingChanged_RollsToHeal()
    {
        var unchanged = States(before: [(Db, Keys(("password", "h2")))], after: [(Db, Keys(("password", "h2")))]);

        var rollout = RestartPlanner.Plan(Deployment("web", "true", "sha256:old", SecretUse.Whole("db")), unchanged);

        rollout.ShouldNotBeNull("the pod template says its pods hold older data: an interrupted rollout is finished");
        rollout.Secrets.ShouldBeEmpty();
    }

    [Fact]
    public void Plan_NeverRolledAndNothingChanged_RollsNothing()
    {
        var unchanged = States(before: [(Db, Keys(("password", "h2")))], after: [(Db, Keys(("password", "h2")))]);

        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Whole("db")), unchanged).ShouldBeNull("opting in alone must not roll");
    }

    [Fact]
    public void Plan_ManySecretsChanged_OneRolloutNamingEach()
    {
        var states = States(
            before: [(Db, Keys(("password", "h1"))), (Api, Keys(("token", "t1")))],
            after: [(Db, Keys(("password", "h2"))), (Api, Keys(("token", "t2")))]);
        var workload = Deployment("web", "true", null, SecretUse.Whole("db"), SecretUse.Only("api", "token"), SecretUse.Whole("db"));

        var rollouts = RestartPlanner.Plan([workload], states);

        rollouts.ShouldHaveSingleItem("two changed Secrets, one workload: one rollout").Secrets.ShouldBe(["api", "db"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    [InlineData("")]
    [InlineData("other")]
    public void Plan_NotOptedInForThisSecret_RollsNothing(string? optIn)
    {
        var states = States(before: [(Db, Keys(("password", "h1")))], after: [(Db, Keys(("password", "h2")))]);

        RestartPlanner.Plan(Deployment("web", optIn, null, SecretUse.Whole("db")), states).ShouldBeNull($"opt-in \"{optIn}\" does not cover db");
    }

    [Fact]
    public void Plan_ListedSecretNotReferenced_CountsAsWholeSecretUse()
    {
        var states = States(before: [(Db, Keys(("password", "h1")))], after: [(Db, Keys(("password", "h2")))]);

        RestartPlanner.Plan(Deployment("web", "api, db", null), states).ShouldNotBeNull("a Secret named in the list is watched even when the pod template does not mount it");
    }

    [Fact]
    public void Plan_SecretWeDoNotManage_IsIgnored()
    {
        var states = States(before: [(Db, Keys(("password", "h1")))], after: [(Db, Keys(("password", "h2")))]);

        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Whole("foreign")), states).ShouldBeNull("only Secrets we manage count");
    }

    [Fact]
    public void Plan_VolumeItemsChangedKeyOutsideItems_RollsNothing()
    {
        var states = States(before: [(Db, Keys(("ca.crt", "c1"), ("tls.key", "k1")))], after: [(Db, Keys(("ca.crt", "c1"), ("tls.key", "k2")))]);

        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Only("db", "ca.crt")), states).ShouldBeNull("the volume projects ca.crt alone");
    }

    [Fact]
    public void Plan_SecretCreatedOrDeleted_RollsNothing()
    {
        var created = States(before: [], after: [(Db, Keys(("password", "h1")))]);
        var deleted = States(before: [(Db, Keys(("password", "h1")))], after: []);

        RestartPlanner.Plan(Deployment("web", "true", null, SecretUse.Whole("db")), created).ShouldBeNull("pods waiting for a missing Secret start once it exists");
        RestartPlanner.Plan(Deployment("web", "true", "sha256:old", SecretUse.Whole("db")), deleted).ShouldBeNull("new pods could not start without the deleted Secret");
    }

    private static Workload Deployment(string name, string? optIn, string? hash, params SecretUse[] uses) =>
        new(new WorkloadId(WorkloadKind.Deployment, "shop", name), optIn, hash, uses);

    private static IReadOnlyDictionary<string, string> Keys(params (string Key, string Hash)[] keys) => keys.ToDictionary(k => k.Key, k => k.Hash, StringComparer.Ordinal);

    private static SecretStates States((SecretId Id, IReadOnlyDictionary<string, string> Keys)[] before, (SecretId Id, IReadOnlyDictionary<string, string> Keys)[] after) =>
        new(before.ToDictionary(p => p.Id, p => p.Keys), after.ToDictionary(p => p.Id, p => p.Keys));
}
