using GitOpsSecrets.Cli;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// The sync scenarios of the Kubernetes target against a real cluster (opt-in: GITOPS_SECRETS_E2E_KUBECONFIG).
/// Each test has its own namespace and repository; results are read back with KubernetesClient.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class SyncOnRealClusterTests
{
    [RealClusterFact]
    public async Task Sync_NewSealedSecret_CreatesTheManagedSecret()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "created-value" });

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secret = (await scenario.ReadAsync("db")).ShouldNotBeNull("sync must create the Secret");
        RealClusterScenario.Value(secret, "password").ShouldBe("created-value");
        RealClusterScenario.IsManaged(secret).ShouldBeTrue("our managed-by label is on every Secret we apply");
        result.All.ShouldNotContain("created-value", Case.Sensitive, "values never appear in output");
    }

    [RealClusterFact]
    public async Task Sync_ChangedSealedSecret_UpdatesTheSecret_AndASecondSyncChangesNothing()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "v1" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "v2", ["user"] = "app" });

        var result = await scenario.SyncAsync();
        var afterUpdate = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var again = await scenario.SyncAsync();
        var afterSecondSync = (await scenario.ReadAsync("db")).ShouldNotBeNull();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        RealClusterScenario.Value(afterUpdate, "password").ShouldBe("v2");
        RealClusterScenario.Value(afterUpdate, "user").ShouldBe("app");
        again.ExitCode.ShouldBe(ExitCodes.Success, again.ToString());
        afterSecondSync.Metadata.ResourceVersion.ShouldBe(afterUpdate.Metadata.ResourceVersion, "an unchanged Secret is not written again");
    }

    [RealClusterFact]
    public async Task Sync_SealedSecretRemovedFromTheRepository_DeletesTheSecret()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "v1" });
        scenario.Commit("apps/api.yaml", "api", new Dictionary<string, string> { ["token"] = "t1" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        scenario.Remove("apps/db.yaml");

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        (await scenario.ReadAsync("db")).ShouldBeNull("a managed Secret whose SealedSecret left the repository is pruned");
        (await scenario.ReadAsync("api")).ShouldNotBeNull("the other Secret stays");
    }

    [RealClusterFact]
    public async Task Sync_SecretEditedBySomeoneElse_IsCorrected()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "from-git" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var edited = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        edited.Data["password"] = "edited-by-hand"u8.ToArray();
        await scenario.Client.CoreV1.ReplaceNamespacedSecretAsync(edited, "db", scenario.Namespace);

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        RealClusterScenario.Value((await scenario.ReadAsync("db")).ShouldNotBeNull(), "password").ShouldBe("from-git");
        result.All.ShouldNotContain("edited-by-hand");
    }

    [RealClusterFact]
    public async Task Sync_SecretDeletedBySomeoneElse_IsCreatedAgain()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "from-git" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        await scenario.Client.CoreV1.DeleteNamespacedSecretAsync("db", scenario.Namespace);

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        RealClusterScenario.Value((await scenario.ReadAsync("db")).ShouldNotBeNull("drift by deletion is corrected"), "password").ShouldBe("from-git");
    }

    [RealClusterFact]
    public async Task Sync_ExistingSecretWeDoNotOwn_IsLeftAloneAndReported()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        await scenario.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "theirs", NamespaceProperty = scenario.Namespace },
                Data = new Dictionary<string, byte[]> { ["password"] = "their-value"u8.ToArray() },
            },
            scenario.Namespace);
        scenario.Commit("apps/theirs.yaml", "theirs", new Dictionary<string, string> { ["password"] = "our-value" });

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBeOneOf(ExitCodes.Success, ExitCodes.PartialFailure);
        result.All.ShouldContain("theirs", Case.Sensitive, "the untouched Secret is reported by name");
        var secret = (await scenario.ReadAsync("theirs")).ShouldNotBeNull();
        RealClusterScenario.Value(secret, "password").ShouldBe("their-value", "a Secret without Bitnami's takeover annotations is not ours to change");
        RealClusterScenario.IsManaged(secret).ShouldBeFalse();
        result.All.ShouldNotContain("their-value");
        result.All.ShouldNotContain("our-value");
    }
}
