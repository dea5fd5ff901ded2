using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Bitnami's Events on the Secrets (read back from the real server, and with the real kubectl by the
/// Secret's uid), and fail-closed: a SealedSecret that cannot be decrypted leaves its Secret as it was.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class EventsAndFailClosedOnRealClusterTests
{
    private const string Planted = "planted-events-5e88c2";
    private const string Theirs = "their-value-c0ffee";

    [RealClusterFact]
    public async Task Sync_RecordsUnsealedErrUnsealFailedAndErrUpdateFailed_OnTheRightSecrets_WithoutAnyValue()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var theirs = await scenario.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "theirs", NamespaceProperty = scenario.Namespace }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(Theirs) } },
            scenario.Namespace);
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });
        scenario.Commit("apps/theirs.yaml", "theirs", new Dictionary<string, string> { ["password"] = Planted });
        scenario.Commit("apps/broken.yaml", "broken", new Dictionary<string, string> { ["password"] = Planted }, template: null, sealedSecret: RealClusterScenario.Tamper);

        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.PartialFailure, result.ToString());
        var db = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var events = (await scenario.Client.CoreV1.ListNamespacedEventAsync(scenario.Namespace)).Items;
        var unsealed = events.Where(e => e.Reason == SecretEventReasons.Unsealed).ShouldHaveSingleItem();
        unsealed.Type.ShouldBe("Normal");
        unsealed.Message.ShouldBe("SealedSecret unsealed successfully");
        AssertRegarding(unsealed, scenario.Namespace, "db", db.Metadata.Uid);
        unsealed.Source.Component.ShouldBe(KubernetesEventRecorder.Component);
        var notOurs = events.Where(e => e.InvolvedObject.Name == "theirs").ShouldHaveSingleItem();
        notOurs.Reason.ShouldBe(SecretEventReasons.UpdateFailed);
        notOurs.Type.ShouldBe("Warning");
        notOurs.Message.ShouldBe("Resource \"theirs\" already exists and is not managed by SealedSecret", "Bitnami's words");
        AssertRegarding(notOurs, scenario.Namespace, "theirs", theirs.Metadata.Uid);
        var unsealFailed = events.Where(e => e.Reason == SecretEventReasons.UnsealFailed).ShouldHaveSingleItem();
        unsealFailed.Type.ShouldBe("Warning");
        unsealFailed.Message.ShouldStartWith("Failed to unseal: ");
        AssertRegarding(unsealFailed, scenario.Namespace, "broken", uid: null);
        var everything = KubernetesJson.Serialize(events) + result.All;
        foreach (var value in new[] { Planted, Theirs })
        {
            everything.ShouldNotContain(value, Case.Sensitive, "no value in any event or output");
            everything.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), Case.Sensitive, "not even base64");
        }
    }

    [RealClusterFact]
    public async Task KubectlGetEventsByTheSecretsUid_FindsWhatSyncRecorded()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var uid = (await scenario.ReadAsync("db")).ShouldNotBeNull().Metadata.Uid;

        // How tools that show an object's events find them (Argo CD's resource events, kubectl describe for most kinds).
        var events = await Kubectl.RunAsync(scenario.Kubeconfig, "-n", scenario.Namespace, "get", "events", "--field-selector", $"involvedObject.uid={uid}", "-o", "jsonpath={.items[*].reason}");

        events.ExitCode.ShouldBe(0, events.ToString());
        events.Stdout.Trim().ShouldBe(SecretEventReasons.Unsealed, "the event is found by the Secret's uid");
    }

    [RealClusterFact]
    public async Task Sync_TamperedSealedSecrets_LeaveTheirSecretsUntouchedAndUnpruned_WhileTheRestIsApplied()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = Planted });
        scenario.Commit("apps/old.yaml", "old", new Dictionary<string, string> { ["token"] = "t" });
        (await scenario.SyncAsync()).ExitCode.ShouldBe(ExitCodes.Success);
        var dbBefore = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        var oldBefore = (await scenario.ReadAsync("old")).ShouldNotBeNull();

        // db's document now cannot be decrypted; old's file now holds a broken document of another name,
        // so "old" is no longer wanted, but its file failed: it must not be pruned on that evidence.
        scenario.Commit("apps/db.yaml", "db", new Dictionary<string, string> { ["password"] = "new-value" }, template: null, sealedSecret: RealClusterScenario.Tamper);
        scenario.Commit("apps/old.yaml", "old-renamed", new Dictionary<string, string> { ["token"] = "t2" }, template: null, sealedSecret: RealClusterScenario.Tamper);
        scenario.Commit("apps/api.yaml", "api", new Dictionary<string, string> { ["token"] = "a" });
        var result = await scenario.SyncAsync();

        result.ExitCode.ShouldBe(ExitCodes.PartialFailure, result.ToString());
        result.Stdout.ShouldContain("apps/db.yaml", Case.Sensitive, "the failure names the file");
        var dbAfter = (await scenario.ReadAsync("db")).ShouldNotBeNull();
        dbAfter.Metadata.ResourceVersion.ShouldBe(dbBefore.Metadata.ResourceVersion, "a Secret whose SealedSecret cannot be decrypted is not written");
        RealClusterScenario.Value(dbAfter, "password").ShouldBe(Planted);
        (await scenario.ReadAsync("old")).ShouldNotBeNull("not pruned: its file failed").Metadata.ResourceVersion.ShouldBe(oldBefore.Metadata.ResourceVersion);
        (await scenario.ReadAsync("old-renamed")).ShouldBeNull();
        RealClusterScenario.Value((await scenario.ReadAsync("api")).ShouldNotBeNull("the rest is applied"), "token").ShouldBe("a");
        var events = (await scenario.Client.CoreV1.ListNamespacedEventAsync(scenario.Namespace)).Items;
        events.ShouldContain(e => e.Reason == SecretEventReasons.UnsealFailed && e.InvolvedObject.Name == "db" && e.InvolvedObject.Uid == dbBefore.Metadata.Uid);
        result.All.ShouldNotContain(Planted);
    }

    private static void AssertRegarding(Corev1Event recorded, string @namespace, string name, string? uid)
    {
        var involved = recorded.InvolvedObject;
        (involved.ApiVersion, involved.Kind, involved.NamespaceProperty, involved.Name).ShouldBe(("v1", "Secret", @namespace, name), $"event {recorded.Reason} is about Secret {@namespace}/{name}");
        involved.Uid.ShouldBe(uid, $"event {recorded.Reason} carries the Secret's uid when the Secret exists (kubectl describe finds events by it)");
        recorded.Metadata.NamespaceProperty.ShouldBe(@namespace);
    }
}
