using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.Kubernetes;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Models;
using FakeTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Sharing;

/// <summary>SharedSecrets through the sync engine into the loopback API server with the real KubernetesTarget and client.</summary>
public sealed class SharedSecretSyncTests : IAsyncLifetime
{
    private const string Planted = "planted-shared-value-91c4";
    private const string RoleName = "gitops-secrets:db:get";
    private KubeSyncFixture _fixture = null!;
    private int _commit = 1;

    public async Task InitializeAsync()
    {
        _fixture = await KubeSyncFixture.StartAsync(paths: ["apps"]);
        _fixture.Server.CreateNamespace("payments");
        _fixture.Server.CreateNamespace("shop");
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Sync_NewSharedSecret_MakesSecretRoleAndRoleBindingInEveryNamedNamespace()
    {
        WriteTeam("payments", users: ["carol"], groups: ["payments-oncall"]);
        WriteShared(access: [new AccessRule { Verbs = ["get"], Users = ["alice"], Teams = ["payments"], ServiceAccounts = [new ServiceAccountRef("ci", "deployer")] }], namespaces: ["shop"]);

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Create).ShouldBe(2, "the home namespace and the named one");
        foreach (var ns in new[] { "payments", "shop" })
        {
            _fixture.Text(new SecretId(ns, "db"))!["password"].ShouldBe(Planted, $"the copy in {ns} holds the value");
            var role = await _fixture.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync(RoleName, ns);
            var rule = role.Rules.ShouldHaveSingleItem();
            rule.ResourceNames.ShouldBe(["db"], "the Role names exactly that Secret");
            rule.Verbs.ShouldBe(["get"]);
            rule.Resources.ShouldBe(["secrets"]);
            role.Metadata.Labels[ManagedMetadata.ManagedByLabel].ShouldBe(ManagedMetadata.ManagedByValue);
            role.Metadata.OwnerReferences.ShouldHaveSingleItem().Name.ShouldBe("db", "the Role is owned by its Secret");
            var binding = await _fixture.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(RoleName, ns);
            binding.RoleRef.Name.ShouldBe(RoleName);
            binding.Subjects.Select(s => $"{s.Kind}:{s.NamespaceProperty}/{s.Name}").Order().ToList().ShouldBe(
                ["Group:/payments-oncall", "ServiceAccount:ci/deployer", "User:/alice", "User:/carol"], "users, the team expanded, and the service account");
        }

        _fixture.Counters.RsaPrivateOperations.ShouldBe(1, "the SharedSecret is opened once, with its home identity, for both copies");
        _fixture.EverythingSaidOutsideSecrets().Contains(Planted, StringComparison.Ordinal).ShouldBeFalse("the value appears in no request but the Secrets' and in no log");
        PrintedReport(report).Contains(Planted, StringComparison.Ordinal).ShouldBeFalse("the report never holds a value");
    }

    [Fact]
    public async Task Sync_SharedSecretUpdated_UpdatesEveryCopy()
    {
        WriteShared(namespaces: ["shop"]);
        await _fixture.SyncAsync();
        WriteShared(namespaces: ["shop"], value: "second-value");
        NextCommit();

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Update).ShouldBe(2);
        _fixture.Text(new SecretId("shop", "db"))!["password"].ShouldBe("second-value");
        _fixture.Text(new SecretId("payments", "db"))!["password"].ShouldBe("second-value");
    }

    [Fact]
    public async Task Sync_NamespaceSelector_NewLabelledNamespaceGetsItAndUnlabelledOneIsPruned()
    {
        LabelNamespace("shop", "tier", "apps");
        WriteShared(access: [new AccessRule { Verbs = ["get"], Users = ["alice"] }], selector: new LabelSelector { MatchLabels = new(StringComparer.Ordinal) { ["tier"] = "apps" } });
        (await _fixture.SyncAsync()).Targets.Single().Count(ChangeKind.Create).ShouldBe(2);
        _fixture.Server.CreateNamespace("billing");
        LabelNamespace("billing", "tier", "apps");

        var added = await _fixture.SyncAsync();

        AssertNoFailures(added);
        added.Targets.Single().Objects.Where(o => o.Kind == ChangeKind.Create).Select(o => o.Id.ToString()).ShouldBe(["billing/db"], "the namespace labelled since the last sync gets the secret without a new commit");
        (await _fixture.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(RoleName, "billing")).Subjects.ShouldHaveSingleItem().Name.ShouldBe("alice");
        LabelNamespace("shop", "tier", null);

        var removed = await _fixture.SyncAsync();

        AssertNoFailures(removed);
        removed.Targets.Single().Objects.Where(o => o.Kind == ChangeKind.Delete).Select(o => o.Id.ToString()).ShouldBe(["shop/db"], "a namespace that lost the label loses its copy");
        _fixture.Text(new SecretId("shop", "db")).ShouldBeNull();
        _fixture.Server.Store.Get(FakeTypes.Roles, "shop", RoleName).ShouldBeNull("its Role is pruned with it");
        _fixture.Server.Store.Get(FakeTypes.RoleBindings, "shop", RoleName).ShouldBeNull("its RoleBinding is pruned with it");
        _fixture.Server.Store.Get(FakeTypes.RoleBindings, "billing", RoleName).ShouldNotBeNull("other namespaces keep theirs");
    }

    [Fact]
    public async Task Sync_AccessRemoved_RoleBindingAndRoleGoneSecretKept()
    {
        WriteShared(access: [new AccessRule { Verbs = ["get"], Users = ["alice"] }]);
        await _fixture.SyncAsync();
        WriteShared();
        NextCommit();

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Access.ShouldContain(l => l.StartsWith("delete Role+RoleBinding payments/" + RoleName, StringComparison.Ordinal), string.Join("\n", report.Targets.Single().Access));
        _fixture.Server.Store.Get(FakeTypes.RoleBindings, "payments", RoleName).ShouldBeNull("the RoleBinding is gone with the access rule");
        _fixture.Server.Store.Get(FakeTypes.Roles, "payments", RoleName).ShouldBeNull();
        _fixture.Text(new SecretId("payments", "db")).ShouldNotBeNull("the Secret itself stays");
    }

    [Fact]
    public async Task Sync_RoleBindingEditedByHand_IsCorrectedAndUnchangedSyncWritesNothing()
    {
        WriteShared(access: [new AccessRule { Verbs = ["get"], Users = ["alice"] }]);
        await _fixture.SyncAsync();
        var binding = await _fixture.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(RoleName, "payments");
        binding.Subjects.Add(new Rbacv1Subject { Kind = "User", Name = "mallory", ApiGroup = "rbac.authorization.k8s.io" });
        await _fixture.Client.RbacAuthorizationV1.ReplaceNamespacedRoleBindingAsync(binding, RoleName, "payments", fieldManager: "kubectl-edit");

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        (await _fixture.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(RoleName, "payments")).Subjects.Select(s => s.Name).ShouldBe(["alice"], "drift in the binding is taken back");
        _fixture.Server.Requests.Clear();

        await _fixture.SyncAsync();

        _fixture.Server.Requests.Writes.ShouldBeEmpty("a sync with nothing changed writes no Role, RoleBinding or ServiceAccount");
    }

    [Fact]
    public async Task Sync_ImagePull_MergesIntoServiceAccountKeepsOthersEntriesAndRemovesOnlyOurs()
    {
        await _fixture.Client.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" }, ImagePullSecrets = [new V1LocalObjectReference { Name = "theirs" }] }, "shop", fieldManager: "kubectl-create");
        await _fixture.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "builder" } }, "shop");
        WriteShared(name: "regcred", namespaces: ["shop"], type: SecretTypes.DockerConfigJson, imagePull: new ImagePull { ServiceAccounts = ["default"] });

        var attached = await _fixture.SyncAsync();

        AssertNoFailures(attached);
        (await PullSecrets("shop", "default")).ShouldBe(["theirs", "regcred"], "our entry is merged, theirs kept");
        (await PullSecrets("shop", "builder")).ShouldBeEmpty("only the named ServiceAccount gets it");
        var account = await _fixture.Client.CoreV1.ReadNamespacedServiceAccountAsync("default", "shop");
        KubernetesSharedAccess.OurPullSecrets(account).ShouldBe(["regcred"], "exactly our entry is recorded as ours");
        WriteShared(name: "regcred", namespaces: ["shop"], type: SecretTypes.DockerConfigJson, imagePull: new ImagePull { ServiceAccounts = ["*"] });
        NextCommit();

        await _fixture.SyncAsync();

        (await PullSecrets("shop", "builder")).ShouldBe(["regcred"], "* attaches to every ServiceAccount of the namespace");
        WriteShared(name: "regcred", namespaces: ["shop"], type: SecretTypes.DockerConfigJson);
        NextCommit();

        var detached = await _fixture.SyncAsync();

        AssertNoFailures(detached);
        (await PullSecrets("shop", "default")).ShouldBe(["theirs"], "the attachment went, the entry someone else owns stayed");
        (await PullSecrets("shop", "builder")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Sync_SharedSecretRemoved_CopiesRbacAndAttachmentsPruned()
    {
        await _fixture.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, "shop");
        WriteShared(name: "regcred", namespaces: ["shop"], type: SecretTypes.DockerConfigJson, imagePull: new ImagePull { ServiceAccounts = ["default"] }, access: [new AccessRule { Verbs = ["get"], Users = ["alice"] }]);
        await _fixture.SyncAsync();
        File.Delete(Path.Combine(_fixture.Repo.Path, "apps/shared.yaml"));
        NextCommit();

        var report = await _fixture.SyncAsync();

        AssertNoFailures(report);
        report.Targets.Single().Count(ChangeKind.Delete).ShouldBe(2);
        (await PullSecrets("shop", "default")).ShouldBeEmpty("the attachment goes with the shared secret");
        _fixture.Server.Store.List(FakeTypes.Roles, null).ShouldBeEmpty();
        _fixture.Server.Store.List(FakeTypes.RoleBindings, null).ShouldBeEmpty();
    }

    [Fact]
    public async Task Sync_UnknownTeam_NothingOfTheDocumentIsApplied()
    {
        WriteShared(access: [new AccessRule { Verbs = ["get"], Teams = ["nobody"] }], namespaces: ["shop"]);

        var report = await _fixture.SyncAsync();

        var failure = report.Targets.Single().Objects.ShouldHaveSingleItem();
        failure.Kind.ShouldBe(ChangeKind.Failed);
        failure.Message.ShouldBe("apps/shared.yaml:22 (document 1): spec.access[0].teams[0]: unknown team \"nobody\" (no Team of that name in the repository)");
        _fixture.Server.Requests.Writes.ShouldBeEmpty("no Secret, Role or RoleBinding is written for it");
    }

    private async Task<List<string>> PullSecrets(string ns, string name) =>
        ((await _fixture.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns)).ImagePullSecrets ?? []).Select(r => r.Name).ToList();

    private void LabelNamespace(string ns, string key, string? value)
    {
        var patch = new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [key] = value } } }.ToJsonString(), V1Patch.PatchType.MergePatch);
        _fixture.Client.CoreV1.PatchNamespace(patch, ns);
    }

    private void NextCommit() => _fixture.Source.Commit = $"c{++_commit}";

    private void WriteShared(
        string name = "db",
        IReadOnlyList<AccessRule>? access = null,
        IReadOnlyList<string>? namespaces = null,
        LabelSelector? selector = null,
        string value = Planted,
        string? type = null,
        ImagePull? imagePull = null)
    {
        using var key = Vectors.LoadKey();
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = "payments" }, Type = type ?? Secret.DefaultType };
        if (type == SecretTypes.DockerConfigJson)
        {
            secret.Data[SecretTypes.DockerConfigJsonKey] = Encoding.UTF8.GetBytes($"{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("u:" + value))}\"}}}}}}");
        }
        else
        {
            secret.Data["password"] = Encoding.UTF8.GetBytes(value);
        }

        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        var shared = new SharedSecret
        {
            Sealed = sealer.Seal(secret, key, SealingScope.Strict),
            Access = access ?? [],
            Distribute = new Distribution { Namespaces = namespaces ?? [], NamespaceSelector = selector },
            ImagePull = imagePull,
        };
        _fixture.Repo.Write("apps/shared.yaml", ManifestWriter.ToYaml(SharedSecretManifest.ToNode(shared)));
    }

    private void WriteTeam(string name, IReadOnlyList<string> users, IReadOnlyList<string> groups) =>
        _fixture.Repo.Write($"apps/team-{name}.yaml", ManifestWriter.ToYaml(TeamManifest.ToNode(new Team { Name = name, Users = users, Groups = groups })));

    private static string PrintedReport(SyncReport report) => GitOpsSecrets.Cli.ReportPrinter.Text(report.ForDisplay()) + GitOpsSecrets.Cli.ReportPrinter.Json(report);

    private static void AssertNoFailures(SyncReport report) =>
        report.HasFailures.ShouldBeFalse(string.Join("\n", report.Errors.Concat(report.Targets.SelectMany(t => t.Objects.Where(o => o.Kind == ChangeKind.Failed).Select(o => o.Message ?? string.Empty).Concat(t.Access)))));
}
