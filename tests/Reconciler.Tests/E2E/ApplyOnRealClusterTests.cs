using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>How sync writes to a real API server: field manager, label and stamps, no write when nothing changed, several namespaces at once.</summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class ApplyOnRealClusterTests
{
    private const string Planted = "planted-apply-4c1d9e";

    [RealClusterFact]
    public async Task Sync_NewSealedSecret_IsServerSideAppliedAsGitopsSecrets_WithOurLabelAndStamps()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var sealedSecret = scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" }, template: s => s.Metadata.Labels["team"] = "pay");

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secret = (await scenario.ReadAsync("db")).ShouldNotBeNull("sync must create the Secret");
        var apply = secret.Metadata.ManagedFields.ShouldHaveSingleItem("only our field manager wrote it");
        apply.Manager.ShouldBe(KubernetesTarget.FieldManager);
        apply.Operation.ShouldBe("Apply", "written by server-side apply, not by create/update");
        var owned = ManagedFields.FieldsV1(apply);
        owned["f:data"]!.AsObject().Select(p => p.Key).ShouldBe(["f:password", "f:user"], ignoreOrder: true, "our apply owns every data key");
        owned["f:metadata"]!["f:labels"]!.AsObject().ContainsKey("f:" + ManagedMetadata.ManagedByLabel).ShouldBeTrue("our apply owns our label");
        secret.Metadata.Labels[ManagedMetadata.ManagedByLabel].ShouldBe(ManagedMetadata.ManagedByValue);
        secret.Metadata.Labels["team"].ShouldBe("pay", "the template's labels are applied too");
        var annotations = secret.Metadata.Annotations;
        annotations[ManagedMetadata.SourceAnnotation].ShouldBe("apps/db.yaml#1");
        annotations[ManagedMetadata.RevisionAnnotation].ShouldEndWith("@sha1:" + scenario.HeadCommit());
        annotations[ManagedMetadata.SealedHashAnnotation].ShouldBe(SealedHash.Compute(sealedSecret));
        annotations[ManagedMetadata.DataHashAnnotation].ShouldBe(SecretHashes.DataHash(secret.Data), "the data hash is of what the server holds");
        RealClusterScenario.Value(secret, "password").ShouldBe(Planted);
        AssertNoLeak(result.All);
    }

    [RealClusterFact]
    public async Task Sync_NothingChanged_SendsTheServerOnlyReads()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var other = await scenario.CreateNamespaceAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });
        scenario.Commit("shop/cart.yaml", "cart", new Dictionary<string, string> { ["token"] = "t" }, template: null, @namespace: other);
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);

        var audit = await AuditLog.BeginAsync(scenario.Client, scenario.Namespace);
        var result = await scenario.SyncAsync();
        var requests = await audit.EndAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        requests.ShouldNotBeEmpty("the sync's requests must be in the audit log, else this test proves nothing");
        requests.Where(r => !r.IsRead).ShouldBeEmpty("a sync with nothing to do writes nothing: " + string.Join(", ", requests));
        requests.ShouldContain(r => r.Verb == "list" && r.Resource == "secrets", "the managed set is read with a LIST");
        requests.Count(r => r.Resource == "secrets" && r.Verb == "get").ShouldBe(0, "every wanted Secret carries our label, so no GET is needed: " + string.Join(", ", requests));
    }

    [RealClusterFact]
    public async Task Sync_SecretsInTwoNamespaces_AreAppliedInEach_AndPrunedOnlyWhereTheyLeft()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var shop = await scenario.CreateNamespaceAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "p" });
        scenario.Commit("shop/db.yaml", "db", new Dictionary<string, string> { ["password"] = "s" }, template: null, @namespace: shop);
        scenario.Commit("shop/cart.yaml", "cart", new Dictionary<string, string> { ["token"] = "t" }, template: null, @namespace: shop);

        var first = await scenario.SyncAsync();
        scenario.Remove("shop/cart.yaml");
        var second = await scenario.SyncAsync();

        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        second.ExitCode.ShouldBe(ExitCodes.Success, second.ToString());
        RealClusterScenario.Value((await scenario.ReadAsync("db")).ShouldNotBeNull(), "password").ShouldBe("p");
        RealClusterScenario.Value((await scenario.ReadAsync(shop, "db")).ShouldNotBeNull("the same name in another namespace is another Secret"), "password").ShouldBe("s");
        (await scenario.ReadAsync(shop, "cart")).ShouldBeNull("its SealedSecret left the repository");
    }

    private static void AssertNoLeak(string text)
    {
        text.ShouldNotContain(Planted, Case.Sensitive, "values never appear in output");
        text.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Planted)), Case.Sensitive, "not even base64");
    }
}
