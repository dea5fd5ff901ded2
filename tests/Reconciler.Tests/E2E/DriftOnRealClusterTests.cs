using System.Net;
using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Drift made the ways users make it — the real kubectl's <c>edit</c> and <c>patch</c>, and another
/// server-side applier — and what the README promises: a data key another field manager took is taken
/// back by force; any other field they took needs forceConflicts.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class DriftOnRealClusterTests
{
    private const string FromGit = "from-git-3f9a1c";
    private const string Edited = "edited-by-hand-77b2e0";

    [RealClusterFact]
    public async Task Sync_DataKeyChangedWithKubectlEdit_IsTakenBackFromKubectlEdit()
    {
        await using var scenario = await StartWithDbAsync();
        using var editor = new TempDirectory();
        var script = editor.Write("edit.sh", $"#!/bin/sh\nsed -i 's|{Base64(FromGit)}|{Base64(Edited)}|' \"$1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var edit = await Kubectl.RunAsync(scenario.Kubeconfig, new Dictionary<string, string> { ["KUBE_EDITOR"] = script, ["EDITOR"] = script }, "-n", scenario.Namespace, "edit", "secret", "db");

        edit.ExitCode.ShouldBe(0, edit.ToString());
        var afterEdit = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        RealClusterScenario.Value(afterEdit, "password").ShouldBe(Edited, "the editor script really changed the value");
        OwnedDataKeys(afterEdit, "kubectl-edit").ShouldBe(["password"], "the real server gives the edited key to kubectl edit's field manager");

        await AssertTakenBackAsync(scenario, "kubectl-edit");
    }

    [RealClusterFact]
    public async Task Sync_DataKeyChangedWithKubectlPatch_IsTakenBackFromKubectlPatch()
    {
        await using var scenario = await StartWithDbAsync();

        var patch = await Kubectl.RunAsync(scenario.Kubeconfig, "-n", scenario.Namespace, "patch", "secret", "db", "-p", $"{{\"data\":{{\"password\":\"{Base64(Edited)}\"}}}}");

        patch.ExitCode.ShouldBe(0, patch.ToString());
        OwnedDataKeys((await scenario.ReadAsync("db")).ShouldNotBeNull(), "kubectl-patch").ShouldBe(["password"]);
        await AssertTakenBackAsync(scenario, "kubectl-patch");
    }

    [RealClusterFact]
    public async Task Sync_DataKeyTakenByAnotherApplierWithForce_IsTakenBack_AndWithoutForceTheServerRefusedIt()
    {
        await using var scenario = await StartWithDbAsync();

        var refused = await Should.ThrowAsync<HttpOperationException>(() => ApplyAsOtherToolAsync(scenario, force: false, data: new() { ["password"] = Encoding.UTF8.GetBytes(Edited) }));
        refused.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict, "server-side apply without force may not take a field we own");
        refused.Response.Content.ShouldContain($"conflict with \\\"{KubernetesTarget.FieldManager}\\\"");
        await ApplyAsOtherToolAsync(scenario, force: true, data: new() { ["password"] = Encoding.UTF8.GetBytes(Edited) });
        OwnedDataKeys((await scenario.ReadAsync("db")).ShouldNotBeNull(), "other-tool").ShouldBe(["password"]);

        await AssertTakenBackAsync(scenario, "other-tool");
    }

    [RealClusterFact]
    public async Task Sync_LabelTakenByAnotherApplier_FailsNamingTheConflict_AndForceConflictsTakesItBack()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = FromGit }, template: s => s.Metadata.Labels["team"] = "pay");
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        await ApplyAsOtherToolAsync(scenario, force: true, labels: new() { ["team"] = "ops" });

        var refused = await scenario.SyncAsync();
        var afterRefusal = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var forced = await scenario.SyncAsync("--force-conflicts");
        var afterForce = (await scenario.ReadAsync("db")).ShouldNotBeNull();

        refused.ExitCode.ShouldBe(ExitCodes.PartialFailure, refused.ToString());
        refused.All.ShouldContain($"{scenario.Namespace}/db", Case.Sensitive, "the error names the Secret");
        refused.All.ShouldContain("other-tool", Case.Sensitive, "the error names the other field manager");
        refused.All.ShouldContain("forceConflicts", Case.Sensitive, "the error says how to take the field");
        afterRefusal.Metadata.Labels["team"].ShouldBe("ops", "a non-data field another manager owns is not taken without forceConflicts");
        forced.ExitCode.ShouldBe(ExitCodes.Success, forced.ToString());
        afterForce.Metadata.Labels["team"].ShouldBe("pay");
        afterForce.Metadata.ManagedFields.Where(m => m.Manager == "other-tool").SelectMany(m => ManagedFields.Owned(m, "f:metadata", "f:labels")).ShouldNotContain("team");
        (refused.All + forced.All).ShouldNotContain(FromGit);
    }

    private static async Task<RealClusterScenario> StartWithDbAsync()
    {
        var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = FromGit, ["user"] = "app" });
        var first = await scenario.SyncAsync();
        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        return scenario;
    }

    /// <summary>The next sync puts the value back, owns the key again, and says it took it from the other manager.</summary>
    private static async Task AssertTakenBackAsync(RealClusterScenario scenario, string otherManager)
    {
        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secret = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        RealClusterScenario.Value(secret, "password").ShouldBe(FromGit, "drift is corrected");
        OwnedDataKeys(secret, KubernetesTarget.FieldManager).ShouldBe(["password", "user"], "our apply owns the key again");
        OwnedDataKeys(secret, otherManager).ShouldBeEmpty($"{otherManager} no longer owns the key");
        result.Stdout.ShouldContain($"{scenario.Namespace}/db", Case.Sensitive, "the corrected Secret is reported");
        result.Stdout.ShouldContain("keys ~password", Case.Sensitive, "with the drifted key by name");
        result.Stderr.ShouldContain($"changed by another field manager (.data.password); taking the fields back", Case.Sensitive, "the take-over is said");
        result.All.ShouldNotContain(FromGit);
        result.All.ShouldNotContain(Edited);
        result.All.ShouldNotContain(Base64(Edited));
    }

    private static Task<V1Secret> ApplyAsOtherToolAsync(RealClusterScenario scenario, bool force, Dictionary<string, byte[]>? data = null, Dictionary<string, string>? labels = null)
    {
        var body = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = scenario.Namespace, Labels = labels },
            Data = data,
        };
        return scenario.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "db", scenario.Namespace, fieldManager: "other-tool", force: force);
    }

    private static List<string> OwnedDataKeys(V1Secret secret, string manager) => ManagedFields.OwnedBy(secret, manager, "f:data");

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
