using System.Net;
using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>What the real server refuses and how sync says so: an immutable Secret's data, a namespace that does not exist.</summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class ImmutableAndNamespaceOnRealClusterTests
{
    private const string Planted = "planted-immutable-0b7f3e";

    [RealClusterFact]
    public async Task Sync_ImmutableSecretWhoseDataChanged_FailsNamingIt_AndIsRecreatedWhenTheSealedSecretOptsIn()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "one" }, template: s => s.Immutable = true);
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var original = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        original.Immutable.ShouldBe(true);
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted }, template: s => s.Immutable = true);

        var refused = await scenario.SyncAsync();
        var afterRefusal = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted }, template: s => s.Immutable = true, sealedSecret: s => s.Metadata.Annotations[ManagedMetadata.RecreateImmutableAnnotation] = "true");
        var recreated = await scenario.SyncAsync();
        var afterRecreate = (await scenario.ReadAsync("db")).ShouldNotBeNull();

        refused.ExitCode.ShouldBe(ExitCodes.PartialFailure, refused.ToString());
        refused.Stdout.ShouldContain($"{scenario.Namespace}/db", Case.Sensitive, "the failure names the Secret");
        refused.Stdout.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation, Case.Sensitive, "and says how to opt in");
        afterRefusal.Metadata.Uid.ShouldBe(original.Metadata.Uid);
        var refusal = (await scenario.Client.CoreV1.ListNamespacedEventAsync(scenario.Namespace)).Items.Where(e => e.Reason == SecretEventReasons.UpdateFailed).ShouldHaveSingleItem("the refusal is an ErrUpdateFailed event on the Secret");
        (refusal.Type, refusal.InvolvedObject.Name, refusal.InvolvedObject.Uid).ShouldBe(("Warning", "db", original.Metadata.Uid));
        refusal.Message.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation);
        RealClusterScenario.Value(afterRefusal, "password").ShouldBe("one", "an immutable Secret is not changed without the opt-in");
        recreated.ExitCode.ShouldBe(ExitCodes.Success, recreated.ToString());
        afterRecreate.Metadata.Uid.ShouldNotBe(original.Metadata.Uid, "deleted and created again");
        afterRecreate.Immutable.ShouldBe(true);
        RealClusterScenario.Value(afterRecreate, "password").ShouldBe(Planted);
        RealClusterScenario.IsManaged(afterRecreate).ShouldBeTrue();
        (refused.All + recreated.All + refusal.Message).ShouldNotContain(Planted);
    }

    [RealClusterFact]
    public async Task Write_ImmutableSecretWithNewData_RealServersRefusalBecomesTheClearError()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "one" }, template: s => s.Immutable = true);
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var target = new KubernetesTarget("e2e", scenario.Client, new KubernetesTargetOptions { RecordEvents = false }, TimeProvider.System, NullLogger<KubernetesTarget>.Instance);
        var secret = new GitOpsSecrets.Secrets.Secret { Metadata = new GitOpsSecrets.Secrets.ObjectMetadata { Namespace = scenario.Namespace, Name = "db" }, Immutable = true };
        secret.Data["password"] = Encoding.UTF8.GetBytes(Planted);

        // The planner refuses this before any request; the target's own translation of the server's 422 is the second line.
        var error = await Should.ThrowAsync<TargetException>(() => target.WriteAsync(new SecretWrite(secret, new AppliedStamp("sha256:a", "sha256:b", "apps/db.yaml#1", "HEAD@sha1:0"), WriteMode.Update), CancellationToken.None));

        error.Message.ShouldContain($"Secret {scenario.Namespace}/db is immutable");
        error.Message.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation);
        error.ToString().ShouldNotContain(Planted);
        error.ToString().ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Planted)));
        RealClusterScenario.Value((await scenario.ReadAsync("db")).ShouldNotBeNull(), "password").ShouldBe("one");
    }

    [RealClusterFact]
    public async Task Sync_SecretForAMissingNamespace_FailsNamingTheNamespace_AndAppliesTheRest()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var missing = scenario.ReserveNamespaceName();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "p" });
        scenario.Commit("ghost/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted }, template: null, @namespace: missing);

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.PartialFailure, result.ToString());
        result.Stdout.ShouldContain($"namespace {missing} does not exist", Case.Sensitive, "the error names the namespace");
        result.Stdout.ShouldContain("createNamespaces", Case.Sensitive, "and says how to have it created");
        (await scenario.ReadAsync("db")).ShouldNotBeNull("the Secret whose namespace exists is applied");
        var read = await Should.ThrowAsync<HttpOperationException>(() => scenario.Client.CoreV1.ReadNamespaceAsync(missing));
        read.Response.StatusCode.ShouldBe(HttpStatusCode.NotFound, "no namespace is created without createNamespaces");
        result.All.ShouldNotContain(Planted);
    }

    [RealClusterFact]
    public async Task Sync_SecretForAMissingNamespaceWithCreateNamespaces_CreatesTheNamespaceAndTheSecret()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var missing = scenario.ReserveNamespaceName();
        scenario.Commit("ghost/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted }, template: null, @namespace: missing);

        var result = await scenario.SyncAsync("--create-namespaces");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var created = await scenario.Client.CoreV1.ReadNamespaceAsync(missing);
        created.Metadata.Labels[ManagedMetadata.ManagedByLabel].ShouldBe(ManagedMetadata.ManagedByValue, "a namespace we create says who made it");
        RealClusterScenario.Value((await scenario.ReadAsync(missing, "db")).ShouldNotBeNull("the Secret is applied into the new namespace"), "password").ShouldBe(Planted);
        result.All.ShouldNotContain(Planted);
    }
}
