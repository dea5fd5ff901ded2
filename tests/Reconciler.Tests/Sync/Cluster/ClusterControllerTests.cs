using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.KubeApiServer;

namespace GitOpsSecrets.Tests.Sync.Cluster;

/// <summary>The cluster source against the loopback API server: SealedSecret resources in, Secrets, status and Events out.</summary>
public sealed class ClusterControllerTests : IAsyncLifetime
{
    private const string Planted = "planted-cluster-4b1e07";
    private ControllerFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await ControllerFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Controller_NewSealedSecret_CreatesItsSecretOwnedByIt_WithSyncedStatusAndUnsealedEvent()
    {
        var created = _fixture.Create(_fixture.Seal("db", Values(Planted)));
        _fixture.StartController();

        await _fixture.SettledAsync();

        _fixture.Server.SecretText("apps", "db").ShouldNotBeNull("the Secret is made")["password"].ShouldBe(Planted);
        var owner = (_fixture.Server.Secret("apps", "db")!["metadata"]!["ownerReferences"] as JsonArray).ShouldNotBeNull("the Secret has an ownerReference").ShouldHaveSingleItem()!;
        owner["uid"]!.GetValue<string>().ShouldBe(created["metadata"]!["uid"]!.GetValue<string>(), "owned by its SealedSecret");
        owner["controller"]!.GetValue<bool>().ShouldBeTrue("as its controller");
        owner["kind"]!.GetValue<string>().ShouldBe("SealedSecret");
        var stored = _fixture.SealedSecret("db")!;
        ControllerFixture.Synced(stored).ShouldBe("True", "status.conditions[Synced] is True");
        stored["status"]!["observedGeneration"]!.GetValue<long>().ShouldBe(1);
        var unsealed = _fixture.Events().ShouldHaveSingleItem("one event");
        unsealed["reason"]!.GetValue<string>().ShouldBe(SecretEventReasons.Unsealed);
        unsealed["involvedObject"]!["kind"]!.GetValue<string>().ShouldBe("SealedSecret", "the event is about the SealedSecret, as Bitnami's");
        AssertNoLeak();
    }

    [Fact]
    public async Task Controller_SealedSecretChangedWhileWatching_UpdatesTheSecretAndObservedGeneration()
    {
        _fixture.Create(_fixture.Seal("db", Values(Planted)));
        _fixture.StartController();
        await _fixture.SettledAsync();

        _fixture.Replace(_fixture.Seal("db", Values(Planted + "-v2")));

        await _fixture.UntilAsync(() => _fixture.Server.SecretText("apps", "db")?["password"] == Planted + "-v2", "the watch brings the change and the Secret is updated");
        await _fixture.UntilAsync(() => _fixture.SealedSecret("db")!["status"]?["observedGeneration"]?.GetValue<long>() == 2, "observedGeneration follows the new generation");
        AssertNoLeak();
    }

    [Fact]
    public async Task Controller_SealedSecretDeleted_ItsSecretGoesWithItThroughTheOwnerReference()
    {
        _fixture.Create(_fixture.Seal("db", Values(Planted)));
        _fixture.StartController();
        await _fixture.SettledAsync();

        _fixture.Server.Store.Delete(ResourceTypes.SealedSecrets, "apps", "db", null, null);

        _fixture.Server.Secret("apps", "db").ShouldBeNull("the garbage collector deletes what the SealedSecret owned");
        await _fixture.UntilAsync(() => _fixture.Controller.Snapshot().SealedSecrets == 0, "the controller forgets the SealedSecret");
    }

    [Fact]
    public async Task Controller_TamperedSealedSecret_LeavesTheSecret_SetsSyncedFalse_AndRecordsErrUnsealFailed()
    {
        var sealedSecret = _fixture.Seal("db", Values(Planted));
        _fixture.Create(sealedSecret);
        _fixture.StartController();
        await _fixture.SettledAsync();
        var before = _fixture.Server.Secret("apps", "db")!["metadata"]!["resourceVersion"]!.GetValue<string>();

        var value = sealedSecret.EncryptedData["password"];
        sealedSecret.EncryptedData["password"] = value[..40] + (value[40] == 'A' ? 'B' : 'A') + value[41..];
        _fixture.Replace(sealedSecret);

        await _fixture.UntilAsync(() => ControllerFixture.Synced(_fixture.SealedSecret("db")) == "False", "the Synced condition turns False");
        _fixture.Server.Secret("apps", "db")!["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(before, "fail closed: the Secret is not written");
        var condition = (_fixture.SealedSecret("db")!["status"]!["conditions"] as JsonArray)!.Single()!;
        condition["reason"]!.GetValue<string>().ShouldBe(SecretEventReasons.UnsealFailed);
        condition["message"]!.GetValue<string>().ShouldContain("password", Case.Sensitive, "names the key that did not open");
        _fixture.Events().ShouldContain(e => e["reason"]!.GetValue<string>() == SecretEventReasons.UnsealFailed && e["type"]!.GetValue<string>() == "Warning");
        AssertNoLeak();
    }

    [Fact]
    public async Task Controller_Restarted_AndResynced_DecryptsNothingAgain()
    {
        for (var i = 0; i < 5; i++)
        {
            _fixture.Create(_fixture.Seal($"app{i}", Values(Planted + i)));
        }

        _fixture.StartController();
        await _fixture.SettledAsync();
        var afterFirstStart = _fixture.Counters.RsaPrivateOperations;
        afterFirstStart.ShouldBeGreaterThanOrEqualTo(5, "each SealedSecret opened once");

        await _fixture.StopControllerAsync();
        _fixture.StartController();
        await _fixture.SettledAsync();
        var reconcilesAfterRestart = _fixture.Controller.Snapshot().Reconciles;
        reconcilesAfterRestart.ShouldBe(5, "the new controller looked at every SealedSecret");

        _fixture.Time.Advance(ControllerFixture.Resync);
        await _fixture.UntilAsync(() => _fixture.Controller.Snapshot().Reconciles >= 10, "the resync looks at every SealedSecret again");

        (_fixture.Counters.RsaPrivateOperations - afterFirstStart).ShouldBe(0, "an unchanged SealedSecret is never decrypted again: not after a restart, not on resync");
        _fixture.Controller.Snapshot().LastResults["unchanged"].ShouldBe(5);
    }

    [Fact]
    public async Task Controller_WatchDroppedAndHistoryCompacted_ListsAgain_AndMissesNothing()
    {
        _fixture.Create(_fixture.Seal("db", Values(Planted)));
        _fixture.Create(_fixture.Seal("gone", Values(Planted)));
        _fixture.StartController();
        await _fixture.SettledAsync();
        await _fixture.UntilAsync(() => _fixture.Server.OpenWatches == 1, "the controller watches");

        // While the watch is down: changes, and the history they are in is compacted away (a watch from the old version gets 410).
        _fixture.Server.Faults.FailNext(1, 503, r => r.Verb == "watch");
        _fixture.Server.DropWatches();
        _fixture.Replace(_fixture.Seal("db", Values(Planted + "-v2")));
        _fixture.Create(_fixture.Seal("late", Values(Planted)));
        _fixture.Server.Store.Delete(ResourceTypes.SealedSecrets, "apps", "gone", null, null);
        _fixture.Server.Store.Compact();

        await _fixture.UntilAsync(() => _fixture.Server.SecretText("apps", "late") is not null && _fixture.Server.SecretText("apps", "db")?["password"] == Planted + "-v2", "after listing again, every change is applied");
        var snapshot = _fixture.Controller.Snapshot();
        snapshot.WatchExpired.ShouldBeGreaterThanOrEqualTo(1, "the old version was refused with 410");
        snapshot.Lists.ShouldBeGreaterThanOrEqualTo(2, "and the controller listed again");
        snapshot.SealedSecrets.ShouldBe(2, "the deleted one is forgotten");
        _fixture.Server.Secret("apps", "gone").ShouldBeNull();
    }

    [Fact]
    public async Task Controller_SecretMadeFromGit_IsNotTakenByTheClusterSealedSecret_AndTheErrorNamesBoth()
    {
        _fixture.Server.SeedSecret("apps", "db", Values("from-git"), labels: new Dictionary<string, string> { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue },
            annotations: new Dictionary<string, string> { [ManagedMetadata.SourceAnnotation] = "apps/db.yaml#1", [ManagedMetadata.SealedHashAnnotation] = "sha256:00", [ManagedMetadata.DataHashAnnotation] = "sha256:00" });
        _fixture.Create(_fixture.Seal("db", Values(Planted)));
        _fixture.StartController();

        await _fixture.SettledAsync();

        _fixture.Server.SecretText("apps", "db")!["password"].ShouldBe("from-git", "the git source's Secret is left as it is");
        var failure = _fixture.Controller.Snapshot().Failures.ShouldHaveSingleItem();
        failure.Message.ShouldNotBeNull().ShouldContain("apps/db.yaml#1", Case.Sensitive, "names the git source");
        failure.Message.ShouldContain("SealedSecret apps/db", Case.Sensitive, "and the cluster's SealedSecret");
        ControllerFixture.Synced(_fixture.SealedSecret("db")).ShouldBe("False");
    }

    [Fact]
    public void Planner_GitSealedSecretForASecretTheClusterSourceMade_IsRefusedNamingBoth()
    {
        var sealedSecret = _fixture.Seal("db", Values(Planted));
        var desired = new DesiredSecret(sealedSecret, SealedHash.Compute(sealedSecret), "apps/db.yaml", new GitOpsSecrets.Manifests.SourceLocation("apps/db.yaml", 0, 1));
        var observed = new ObservedSecret
        {
            Id = desired.Id,
            Managed = true,
            Stamp = new AppliedStamp("sha256:00", "sha256:00", ClusterStamp.PathOf("apps", "db") + "#1", "cluster:generation 1"),
            ActualDataHash = "sha256:00",
        };

        var clash = Planner.MadeByClusterSource(desired, observed).ShouldNotBeNull("git must not overwrite the cluster source's Secret");

        clash.Kind.ShouldBe(ChangeKind.Failed);
        clash.Message.ShouldNotBeNull().ShouldContain("apps/db.yaml", Case.Sensitive, "names the file");
        clash.Message.ShouldContain("SealedSecret apps/db", Case.Sensitive, "and the cluster resource");
        Planner.Prunable([observed], new HashSet<SecretId>(), new HashSet<string>(), []).ShouldBeEmpty("the git source never prunes what the cluster source made");
    }

    private void AssertNoLeak()
    {
        var everything = string.Join("\n", _fixture.Events().Select(e => e.ToJsonString())) + _fixture.SealedSecret("db")?["status"]?.ToJsonString();
        everything.ShouldNotContain(Planted, Case.Sensitive, "no value in events or status");
        everything.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Planted)), Case.Sensitive, "not even base64");
    }

    private static Dictionary<string, string> Values(string password) => new() { ["password"] = password };
}
