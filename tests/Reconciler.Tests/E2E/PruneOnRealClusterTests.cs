using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Prune on a real server: only Secrets with our label and a source under the synced paths go, and a
/// Secret that changed between our read and our delete survives because the server checks the DELETE's
/// uid/resourceVersion preconditions.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class PruneOnRealClusterTests
{
    [RealClusterFact]
    public async Task Sync_SealedSecretRemoved_DeletesOnlyOurLabelledSecretFromTheSyncedPaths()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "p" });
        scenario.Commit("apps/api.yaml", "api", new Dictionary<string, string> { ["token"] = "t" });
        (await scenario.SyncAsync("--path", "apps")).ExitCode.ShouldBe(ExitCodes.Success);
        await CreateSecretAsync(scenario, "api-handmade", labels: null, annotations: null);
        await CreateSecretAsync(scenario, "api-elsewhere", Ours, new Dictionary<string, string>
        {
            [ManagedMetadata.SourceAnnotation] = "other/api.yaml#1",
            [ManagedMetadata.SealedHashAnnotation] = "sha256:0",
            [ManagedMetadata.DataHashAnnotation] = "sha256:0",
        });
        scenario.Remove("apps/api.yaml");

        var audit = await AuditLog.BeginAsync(scenario.Client, scenario.Namespace);
        var result = await scenario.SyncAsync("--path", "apps");
        var requests = await audit.EndAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        (await scenario.ReadAsync("api")).ShouldBeNull("our Secret whose SealedSecret left the synced path is pruned");
        (await scenario.ReadAsync("db")).ShouldNotBeNull();
        (await scenario.ReadAsync("api-handmade")).ShouldNotBeNull("a Secret without our label is never pruned");
        (await scenario.ReadAsync("api-elsewhere")).ShouldNotBeNull("a Secret of ours from a path this sync does not read is not pruned");
        var delete = requests.Where(r => r.Verb == "delete").ShouldHaveSingleItem("one DELETE: " + string.Join(", ", requests));
        (delete.Resource, delete.Namespace, delete.Name, delete.Code).ShouldBe(("secrets", scenario.Namespace, "api", 200));
    }

    [RealClusterFact]
    public async Task Delete_SecretChangedBetweenReadAndDelete_IsNotDeleted_TheServerRefusesTheResourceVersionPrecondition()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/api.yaml", "api", new Dictionary<string, string> { ["token"] = "t" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var interloper = new ChangeBeforeDelete(() => scenario.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"annotations":{"changed-by":"someone-else"}}}""", V1Patch.PatchType.MergePatch), "api", scenario.Namespace));

        var error = await DeleteThroughAsync(scenario, interloper);

        error.Message.ShouldContain("changed since it was read; not deleted", Case.Sensitive, error.ToString());
        AssertPreconditions(interloper.DeleteBody, uid: true, resourceVersion: true);
        var survivor = (await scenario.ReadAsync("api")).ShouldNotBeNull("the real server refused the DELETE: its resourceVersion precondition no longer held");
        survivor.Metadata.Annotations["changed-by"].ShouldBe("someone-else");
    }

    [RealClusterFact]
    public async Task Delete_SecretRecreatedBetweenReadAndDelete_IsNotDeleted_TheServerRefusesTheUidPrecondition()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/api.yaml", "api", new Dictionary<string, string> { ["token"] = "t" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var interloper = new ChangeBeforeDelete(async () =>
        {
            await scenario.Client.CoreV1.DeleteNamespacedSecretAsync("api", scenario.Namespace);
            await CreateSecretAsync(scenario, "api", Ours, annotations: null);
        });

        var error = await DeleteThroughAsync(scenario, interloper);

        error.Message.ShouldContain("changed since it was read; not deleted", Case.Sensitive, error.ToString());
        (await scenario.ReadAsync("api")).ShouldNotBeNull("the real server refused the DELETE: the Secret under that name is another object (uid)");
    }

    private static Dictionary<string, string> Ours => new() { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue };

    /// <summary>The target's delete through a client whose DELETE is held back until the interloper has changed the Secret.</summary>
    private static async Task<TargetException> DeleteThroughAsync(RealClusterScenario scenario, ChangeBeforeDelete interloper)
    {
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(scenario.Kubeconfig), interloper);
        var target = new KubernetesTarget("e2e", client, new KubernetesTargetOptions(), TimeProvider.System, NullLogger<KubernetesTarget>.Instance);
        var error = await Should.ThrowAsync<TargetException>(() => target.DeleteAsync(new SecretId(scenario.Namespace, "api"), CancellationToken.None));
        interloper.Changes.ShouldBe(1, "the DELETE went out once, after the interloper's change");
        return error;
    }

    private static void AssertPreconditions(string? body, bool uid, bool resourceVersion)
    {
        var preconditions = JsonNode.Parse(body.ShouldNotBeNull("the DELETE carries a body"))!["preconditions"].ShouldNotBeNull("the DELETE carries preconditions");
        (preconditions["uid"] is not null).ShouldBe(uid);
        (preconditions["resourceVersion"] is not null).ShouldBe(resourceVersion);
    }

    private static Task<V1Secret> CreateSecretAsync(RealClusterScenario scenario, string name, Dictionary<string, string>? labels, Dictionary<string, string>? annotations) =>
        scenario.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = scenario.Namespace, Labels = labels, Annotations = annotations },
                Data = new Dictionary<string, byte[]> { ["token"] = "someone-elses"u8.ToArray() },
            },
            scenario.Namespace);

    /// <summary>Lets someone else change the Secret after the target read it and before its DELETE reaches the server.</summary>
    private sealed class ChangeBeforeDelete(Func<Task> change) : DelegatingHandler
    {
        public string? DeleteBody { get; private set; }

        public int Changes { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Delete && request.RequestUri!.AbsolutePath.Contains("/secrets/", StringComparison.Ordinal))
            {
                DeleteBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
                Changes++;
                await change();
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
