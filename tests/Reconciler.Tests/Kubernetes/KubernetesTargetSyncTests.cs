using System.Text;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>The sync engine end to end into a cluster: the real KubernetesTarget and client against the loopback API server.</summary>
public sealed class KubernetesTargetSyncTests : IAsyncLifetime
{
    private const string Planted = "planted-value-7e3a1";
    private static readonly SecretId Db = new("payments", "db");
    private static readonly SecretId Api = new("payments", "api");
    private KubeSyncFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        _fixture = await KubeSyncFixture.StartAsync(paths: ["apps"]);
        _fixture.Server.CreateNamespace("payments");
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Sync_NewSealedSecret_IsAppliedWithOurLabelStampAndFieldManager()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted), ("user", "app")), s => s.Metadata.Labels["team"] = "pay");

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Create).ShouldBe(1);
        _fixture.Text(Db)!["password"].ShouldBe(Planted);
        var secret = await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("db", "payments");
        secret.Metadata.Labels[ManagedMetadata.ManagedByLabel].ShouldBe(ManagedMetadata.ManagedByValue);
        secret.Metadata.Labels["team"].ShouldBe("pay");
        secret.Metadata.Annotations[ManagedMetadata.SourceAnnotation].ShouldBe("apps/db.yaml#1");
        secret.Metadata.Annotations[ManagedMetadata.RevisionAnnotation].ShouldBe("main@sha1:c1");
        secret.Metadata.Annotations[ManagedMetadata.DataHashAnnotation].ShouldBe(SecretHashes.DataHash(secret.Data));
        secret.Metadata.ManagedFields.ShouldHaveSingleItem().Manager.ShouldBe(KubernetesTarget.FieldManager);
        secret.Metadata.ManagedFields[0].Operation.ShouldBe("Apply");
        _fixture.Server.Requests.Count("apply", "secrets").ShouldBe(1);
    }

    [Fact]
    public async Task Sync_ChangedSealedSecret_UpdatesDataAndDropsRemovedKey()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "one"), ("old", "x")));
        await _fixture.SyncAsync();
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "two"), ("new", "y")));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Update).ShouldBe(1);
        _fixture.Text(Db).ShouldBe(Values(("password", "two"), ("new", "y")), "a key the SealedSecret no longer has is removed by apply");
    }

    [Fact]
    public async Task Sync_NothingChanged_MakesOneListPerNamespaceAndNoWrite()
    {
        _fixture.Server.CreateNamespace("shop");
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "p")));
        _fixture.Write("apps/cart.yaml", "shop", "cart", Values(("token", "t")));
        await _fixture.SyncAsync();
        _fixture.Server.Requests.Clear();

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(2);
        _fixture.Server.Requests.All.Select(r => r.ToString()).ShouldAllBe(r => r.StartsWith("list "), "a sync with nothing to do only lists");
        _fixture.Server.Requests.Count("list", "secrets").ShouldBe(2, "one LIST per namespace");
        _fixture.Server.Requests.All.ShouldAllBe(r => r.QueryValue("labelSelector") == "app.kubernetes.io/managed-by=gitops-secrets");
    }

    [Fact]
    public async Task Sync_RemovedSealedSecret_PrunesOnlyOurLabelledSecretsFromCoveredPaths()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "p")));
        _fixture.Write("apps/api.yaml", "payments", "api", Values(("token", "t")));
        await _fixture.SyncAsync();
        _fixture.Server.SeedSecret("payments", "handmade", Values(("k", "v")));
        _fixture.Server.SeedSecret("payments", "elsewhere", Values(("k", "v")),
            labels: new Dictionary<string, string> { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue },
            annotations: new Dictionary<string, string> { [ManagedMetadata.SourceAnnotation] = "other/x.yaml#1", [ManagedMetadata.SealedHashAnnotation] = "sha256:x", [ManagedMetadata.DataHashAnnotation] = "sha256:y" });
        File.Delete(_fixture.Repo.File("apps/api.yaml"));
        _fixture.Source.Commit = "c2";

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Objects.Where(o => o.Kind == ChangeKind.Delete).Select(o => o.Id).ShouldBe([Api]);
        _fixture.Text(Api).ShouldBeNull();
        _fixture.Text(Db).ShouldNotBeNull();
        _fixture.Text(new SecretId("payments", "handmade")).ShouldNotBeNull("a Secret without our label is never pruned");
        _fixture.Text(new SecretId("payments", "elsewhere")).ShouldNotBeNull("a Secret from a path this target does not read is not pruned");
        var delete = _fixture.Server.Requests.All.Single(r => r.Verb == "delete");
        delete.Body.ShouldContain("preconditions", Case.Sensitive, "the delete carries a uid/resourceVersion precondition");
    }

    [Fact]
    public async Task Sync_DriftEditedAndDeletedBySomeoneElse_IsCorrectedAndReported()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));
        _fixture.Write("apps/api.yaml", "payments", "api", Values(("token", "t")));
        await _fixture.SyncAsync();
        await _fixture.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"password":"ZWRpdGVk"}}""", V1Patch.PatchType.MergePatch), "db", "payments", fieldManager: "kubectl-edit");
        await _fixture.Client.CoreV1.DeleteNamespacedSecretAsync("api", "payments");

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        var objects = report.Targets.Single().Objects;
        objects.Single(o => o.Id == Db).Kind.ShouldBe(ChangeKind.Update);
        objects.Single(o => o.Id == Db).Diff!.KeysChanged.ShouldBe(["password"]);
        objects.Single(o => o.Id == Api).Kind.ShouldBe(ChangeKind.Create);
        _fixture.Text(Db)!["password"].ShouldBe(Planted, "the edited value is taken back");
        _fixture.Text(Api)!["token"].ShouldBe("t");
        _fixture.Server.Store.ManagersOf(KubeApiServer.ResourceTypes.Secrets, "payments", "db").Select(m => m.Manager).ShouldBe([KubernetesTarget.FieldManager]);
        _fixture.Log.ToString().ShouldContain("taking the fields back");
    }

    [Fact]
    public async Task Sync_BitnamiManagedSecret_IsTakenOverAndReplaced()
    {
        _fixture.Server.SeedSecret("payments", "db", Values(("password", "old"), ("legacy", "l")),
            annotations: new Dictionary<string, string> { [ManagedMetadata.BitnamiManagedAnnotation] = "true" });
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Objects.Single().Message!.ShouldContain("taking over (replace");
        _fixture.Text(Db).ShouldBe(Values(("password", Planted)), "replace leaves exactly the sealed keys");
        (await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("db", "payments")).Metadata.Labels[ManagedMetadata.ManagedByLabel].ShouldBe(ManagedMetadata.ManagedByValue);
        (await _fixture.SyncAsync()).Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(1, "once taken over it is ours");
    }

    [Fact]
    public async Task Sync_BitnamiPatchSecret_GetsOurKeysMergedIn()
    {
        _fixture.Server.SeedSecret("payments", "db", Values(("password", "old"), ("legacy", "l")),
            annotations: new Dictionary<string, string> { [ManagedMetadata.BitnamiPatchAnnotation] = "true" });
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        _fixture.Text(Db).ShouldBe(Values(("legacy", "l"), ("password", Planted)), "patch keeps the keys it does not set");
    }

    [Fact]
    public async Task Sync_SecretWeDoNotOwn_IsLeftAloneAndReported()
    {
        _fixture.Server.SeedSecret("payments", "db", Values(("password", "theirs")));
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));

        var report = await _fixture.SyncAsync();

        var result = report.Targets.Single().Objects.Single();
        result.Kind.ShouldBe(ChangeKind.Skipped);
        result.Message!.ShouldContain("not managed by gitops-secrets");
        _fixture.Text(Db)!["password"].ShouldBe("theirs");
        _fixture.Server.Requests.Writes.Where(r => r.ResourcePlural == "secrets").ShouldBeEmpty();
    }

    [Fact]
    public async Task Sync_ManySecretsInANamespaceOnFirstSight_OneListInsteadOfAGetEach_StillLeavesTheirsAlone()
    {
        _fixture.Server.SeedSecret("payments", "db", Values(("password", "theirs")));
        _fixture.Server.SeedSecret("payments", "unrelated", Values(("x", "y")));
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));
        for (var i = 0; i < 12; i++)
        {
            _fixture.Write($"apps/app-{i}.yaml", "payments", $"app-{i}", Values(("token", $"t{i}")));
        }

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Count(ChangeKind.Create).ShouldBe(12);
        report.Targets.Single().Objects.Single(o => o.Id == Db).Kind.ShouldBe(ChangeKind.Skipped);
        _fixture.Text(Db)!["password"].ShouldBe("theirs");
        _fixture.Server.Requests.Count("get", "secrets").ShouldBe(0);
        _fixture.Server.Requests.All.Count(r => r.Verb == "list" && r.ResourcePlural == "secrets" && r.QueryValue("labelSelector") is null).ShouldBe(1);
    }

    [Fact]
    public async Task Sync_ImmutableSecretWithChangedData_FailsClearly_AndRecreatesWhenOptedIn()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "one")), s => s.Immutable = true);
        await _fixture.SyncAsync();
        var uid = (await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("db", "payments")).Metadata.Uid;
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "two")), s => s.Immutable = true);
        _fixture.Source.Commit = "c2";

        var refused = await _fixture.SyncAsync();

        var failed = refused.Targets.Single().Objects.Single();
        failed.Kind.ShouldBe(ChangeKind.Failed);
        failed.Message!.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation);
        _fixture.Text(Db)!["password"].ShouldBe("one");
        (await _fixture.Client.CoreV1.ListNamespacedEventAsync("payments")).Items.ShouldContain(e => e.Reason == SecretEventReasons.UpdateFailed && e.InvolvedObject.Name == "db" && e.InvolvedObject.Uid == uid, "the refusal is an ErrUpdateFailed event on the Secret");

        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "two")), s => s.Immutable = true, ss => ss.Metadata.Annotations[ManagedMetadata.RecreateImmutableAnnotation] = "true");
        _fixture.Source.Commit = "c3";
        var recreated = await _fixture.SyncAsync();

        AssertNoFailures(recreated);
        _fixture.Text(Db)!["password"].ShouldBe("two");
        (await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("db", "payments")).Metadata.Uid.ShouldNotBe(uid, "deleted and created again");
    }

    [Fact]
    public async Task Sync_MissingNamespace_FailsThatSecretWithAClearError()
    {
        _fixture.Write("apps/db.yaml", "nowhere", "db", Values(("password", "p")));

        var report = await _fixture.SyncAsync();

        var failed = report.Targets.Single().Objects.Single();
        failed.Kind.ShouldBe(ChangeKind.Failed);
        failed.Message!.ShouldContain("namespace nowhere does not exist");
        _fixture.Server.Store.Get(KubeApiServer.ResourceTypes.Namespaces, null, "nowhere").ShouldBeNull();
    }

    [Fact]
    public async Task Sync_ApiFaults_AreRetriedAndNothingIsLostOrWronglyDeleted()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "p")));
        _fixture.Write("apps/api.yaml", "payments", "api", Values(("token", "t")));
        _fixture.Server.Faults.FailNext(2, 500, r => r.Verb == "list");
        _fixture.Server.Faults.DropConnection(r => r.Verb == "apply" && r.Name == "db");
        _fixture.Server.Faults.FailNext(1, 429, r => r.Verb == "apply" && r.Name == "api", retryAfterSeconds: 3);

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Create).ShouldBe(2);
        _fixture.Text(Db).ShouldNotBeNull();
        _fixture.Text(Api).ShouldNotBeNull();
        _fixture.Time.Delays.ShouldContain(TimeSpan.FromSeconds(3), "Retry-After is honoured");
        _fixture.Time.Delays.Count.ShouldBe(4, "two list retries, one apply after a dropped connection, one after 429");

        // The API server stays down longer than the retries: the sync fails and changes nothing.
        File.Delete(_fixture.Repo.File("apps/api.yaml"));
        _fixture.Source.Commit = "c2";
        _fixture.Server.Faults.FailNext(100, 503, r => r.Verb == "list");
        var down = await _fixture.SyncAsync();

        down.Targets.Single().Error!.ShouldContain("gave up after 5 attempts");
        _fixture.Server.Requests.Count("delete").ShouldBe(0, "nothing is pruned when the managed set could not be read");
        _fixture.Text(Api).ShouldNotBeNull();
    }

    [Fact]
    public async Task Sync_RecordsBitnamiLikeEvents_WithoutAnyValue()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", Planted)));
        _fixture.Write("apps/api.yaml", "payments", "api", Values(("token", Planted)));
        _fixture.Server.SeedSecret("payments", "api", Values(("token", "theirs")));
        var moved = System.Text.Json.Nodes.JsonNode.Parse(GitOpsSecrets.Tests.TestSupport.Vectors.Text("sealedsecret-strict.json"))!;
        moved["metadata"]!["namespace"] = "payments";
        _fixture.Repo.Write("apps/moved.json", moved.ToJsonString());

        await _fixture.SyncAsync();

        var events = (await _fixture.Client.CoreV1.ListNamespacedEventAsync("payments")).Items;
        var unsealed = events.Single(e => e.Reason == SecretEventReasons.Unsealed);
        unsealed.Type.ShouldBe("Normal");
        unsealed.Message.ShouldBe("SealedSecret unsealed successfully");
        unsealed.InvolvedObject.Kind.ShouldBe("Secret");
        unsealed.InvolvedObject.Name.ShouldBe("db");
        unsealed.InvolvedObject.Uid.ShouldBe((await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("db", "payments")).Metadata.Uid, "tools select an object's events by its uid");
        var notOurs = events.Single(e => e.InvolvedObject.Name == "api");
        notOurs.Reason.ShouldBe(SecretEventReasons.UpdateFailed);
        notOurs.Message.ShouldBe("Resource \"api\" already exists and is not managed by SealedSecret");
        notOurs.InvolvedObject.Uid.ShouldBe((await _fixture.Client.CoreV1.ReadNamespacedSecretAsync("api", "payments")).Metadata.Uid);
        var unsealFailed = events.Single(e => e.Reason == SecretEventReasons.UnsealFailed);
        unsealFailed.Type.ShouldBe("Warning");
        unsealFailed.InvolvedObject.Name.ShouldBe("mysecret");
        unsealFailed.Message.ShouldStartWith("Failed to unseal: ");
        AssertNoLeak(_fixture.EverythingSaidOutsideSecrets());
        _fixture.EverythingSaidOutsideSecrets().ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Write_ImmutableDataChangedWithoutOptIn_ThrowsClearErrorAndRecordsErrUpdateFailed()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", Values(("password", "one")), s => s.Immutable = true);
        await _fixture.SyncAsync();
        var secret = new GitOpsSecrets.Secrets.Secret { Metadata = new GitOpsSecrets.Secrets.ObjectMetadata { Namespace = "payments", Name = "db" }, Immutable = true };
        secret.Data["password"] = Encoding.UTF8.GetBytes(Planted);

        var e = await Should.ThrowAsync<TargetException>(() => _fixture.Target.WriteAsync(new SecretWrite(secret, new AppliedStamp("sha256:a", "sha256:b", "apps/db.yaml#1", "main@sha1:c9"), WriteMode.Update), CancellationToken.None));

        e.Message.ShouldContain("is immutable");
        e.Message.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation);
        e.Transient.ShouldBeFalse();
        var failed = (await _fixture.Client.CoreV1.ListNamespacedEventAsync("payments")).Items.Single(ev => ev.Reason == SecretEventReasons.UpdateFailed);
        failed.Type.ShouldBe("Warning");
        AssertNoLeak(e.ToString() + _fixture.EverythingSaidOutsideSecrets());
    }

    [Fact]
    public async Task Delete_SecretWithoutOurLabel_IsRefused()
    {
        _fixture.Server.SeedSecret("payments", "handmade", Values(("k", "v")));

        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(new SecretId("payments", "handmade"), CancellationToken.None));

        _fixture.Text(new SecretId("payments", "handmade")).ShouldNotBeNull();
        _fixture.Server.Requests.Count("delete").ShouldBe(0);
    }

    private static SortedDictionary<string, string> Values(params (string Key, string Value)[] values) => new(values.ToDictionary(v => v.Key, v => v.Value), StringComparer.Ordinal);

    private static void AssertNoFailures(SyncReport report) =>
        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Errors.Concat(report.Targets.Select(t => t.Error ?? string.Empty)).Concat(report.Targets.SelectMany(t => t.Objects).Select(o => $"{o.Kind} {o.Id}: {o.Message}"))));

    private static void AssertNoLeak(string text)
    {
        text.ShouldNotContain(Planted);
        text.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Planted)));
    }
}

/// <summary>Cases that need their own target or client settings (namespace creation, a short client timeout, a fresh cluster).</summary>
public sealed class KubernetesTargetSettingsTests
{
    [Fact]
    public async Task Sync_MissingNamespaceWithCreateNamespaces_CreatesItAndTheSecret()
    {
        await using var fixture = await KubeSyncFixture.StartAsync(new KubernetesTargetOptions { CreateNamespaces = true });
        fixture.Write("db.yaml", "fresh", "db", new Dictionary<string, string> { ["password"] = "p" });

        var report = await fixture.SyncAsync();

        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Targets.SelectMany(t => t.Objects).Select(o => o.Message)));
        fixture.Server.Store.Get(KubeApiServer.ResourceTypes.Namespaces, null, "fresh").ShouldNotBeNull();
        fixture.Text(new SecretId("fresh", "db"))!["password"].ShouldBe("p");
    }

    [Fact]
    public async Task Sync_RequestTimingOut_IsRetried()
    {
        await using var fixture = await KubeSyncFixture.StartAsync(configureClient: c => c.HttpClientTimeout = TimeSpan.FromMilliseconds(500));
        fixture.Server.CreateNamespace("payments");
        fixture.Write("db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });

        // The first apply is held far longer than the client waits; the retry is served at once.
        fixture.Server.Faults.Delay(r => r.Verb == "apply", TimeSpan.FromMinutes(5), count: 1);
        var report = await fixture.SyncAsync();

        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Targets.SelectMany(t => t.Objects).Select(o => o.Message)));
        fixture.Server.Requests.Count("apply", "secrets").ShouldBe(2);
        fixture.Log.ToString().ShouldContain("the request timed out");
        fixture.Text(new SecretId("payments", "db"))!["password"].ShouldBe("p");
    }

    [Fact]
    public async Task Prune_DeleteWithDroppedConnection_IsRetriedAndDeletesOnlyThatSecret()
    {
        await using var fixture = await KubeSyncFixture.StartAsync();
        fixture.Server.CreateNamespace("payments");
        fixture.Write("db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        fixture.Write("api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });
        await fixture.SyncAsync();
        File.Delete(fixture.Repo.File("api.yaml"));
        fixture.Source.Commit = "c2";
        fixture.Server.Faults.DropConnection(r => r.Verb == "delete");

        var report = await fixture.SyncAsync();

        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Targets.SelectMany(t => t.Objects).Select(o => o.Message)));
        fixture.Server.Requests.Count("delete", "secrets").ShouldBe(2, "the dropped delete is sent again");
        fixture.Text(new SecretId("payments", "api")).ShouldBeNull();
        fixture.Text(new SecretId("payments", "db")).ShouldNotBeNull();
    }
}
