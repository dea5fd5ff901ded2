using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// A Secret that exists before we sync and was not written by us: taken over only when Bitnami's
/// annotations offer it — <c>managed: "true"</c> replaces it (exactly the sealed keys), <c>patch: "true"</c>
/// merges our keys into it. (Without either it is left alone: <see cref="SyncOnRealClusterTests"/>.)
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class TakeoverOnRealClusterTests
{
    private const string Planted = "planted-takeover-91d0aa";

    [RealClusterFact]
    public async Task Sync_SecretWithBitnamiManagedAnnotation_IsReplacedByTheSealedOne_AndOursFromThenOn()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        await CreateLegacySecretAsync(scenario, ManagedMetadata.BitnamiManagedAnnotation);
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await scenario.SyncAsync();
        var taken = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var again = await scenario.SyncAsync();
        var afterAgain = (await scenario.ReadAsync("db")).ShouldNotBeNull();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        taken.Data.Keys.ShouldBe(["password"], ignoreOrder: true, "replace leaves exactly the sealed keys: the legacy key is removed");
        RealClusterScenario.Value(taken, "password").ShouldBe(Planted);
        RealClusterScenario.IsManaged(taken).ShouldBeTrue("after a takeover the Secret carries our label");
        taken.Metadata.Annotations.ShouldContainKey(ManagedMetadata.SealedHashAnnotation);
        ManagedFields.OwnedBy(taken, KubernetesTarget.FieldManager, "f:data").ShouldBe(["password"], "our apply owns the sealed key");
        ManagedFields.OwnedBy(taken, "legacy-tool", "f:data").ShouldBeEmpty("the old writer owns no data key any more");
        again.ExitCode.ShouldBe(ExitCodes.Success, again.ToString());
        afterAgain.Metadata.ResourceVersion.ShouldBe(taken.Metadata.ResourceVersion, "once taken over, an unchanged Secret is not written again");
        (result.All + again.All).ShouldNotContain(Planted);
        (result.All + again.All).ShouldNotContain("legacy-value");
    }

    [RealClusterFact]
    public async Task Sync_SecretWithBitnamiPatchAnnotation_GetsOurKeysMergedIn_AndKeepsItsOwn()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        await CreateLegacySecretAsync(scenario, ManagedMetadata.BitnamiPatchAnnotation);
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await scenario.SyncAsync();
        var merged = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var again = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        merged.Data.Keys.ShouldBe(["legacy", "password"], ignoreOrder: true, "patch keeps the keys it does not set");
        RealClusterScenario.Value(merged, "password").ShouldBe(Planted, "our key's value wins");
        RealClusterScenario.Value(merged, "legacy").ShouldBe("legacy-value");
        RealClusterScenario.IsManaged(merged).ShouldBeTrue();
        ManagedFields.OwnedBy(merged, KubernetesTarget.FieldManager, "f:data").ShouldBe(["password"]);
        ManagedFields.OwnedBy(merged, "legacy-tool", "f:data").ShouldBe(["legacy"], "the key we did not set stays the old writer's");
        again.ExitCode.ShouldBe(ExitCodes.Success, again.ToString());
        (await scenario.ReadAsync("db")).ShouldNotBeNull().Metadata.ResourceVersion.ShouldBe(merged.Metadata.ResourceVersion, "a merged Secret is current on the next sync");
        (result.All + again.All).ShouldNotContain(Planted);
    }

    /// <summary>A Secret as a kubeseal-era cluster holds it: written by another tool, with a Bitnami takeover annotation.</summary>
    private static Task<V1Secret> CreateLegacySecretAsync(RealClusterScenario scenario, string annotation) =>
        scenario.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "db",
                    NamespaceProperty = scenario.Namespace,
                    Annotations = new Dictionary<string, string> { [annotation] = "true" },
                },
                Data = new Dictionary<string, byte[]> { ["password"] = "old-password"u8.ToArray(), ["legacy"] = Encoding.UTF8.GetBytes("legacy-value") },
            },
            scenario.Namespace,
            fieldManager: "legacy-tool");
}
