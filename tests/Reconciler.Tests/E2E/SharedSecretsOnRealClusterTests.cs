using System.Net;
using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// SharedSecrets on a real API server, where RBAC decides: the sync makes the Role and RoleBinding, and
/// requests made as alice, bob and a team member (the admin's credentials with Impersonate-User and
/// Impersonate-Group headers, as <c>kubectl --as</c>) show who can read what.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class SharedSecretsOnRealClusterTests
{
    private const string Planted = "planted-e2e-shared-4f19d";

    [RealClusterFact]
    public async Task Sync_SharedSecretWithAccess_AliceAndTeamReadExactlyThatSecretBobCannotAndRemovalDeniesAlice()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var away = await scenario.CreateNamespaceAsync();
        scenario.Commit("apps/other.yaml", "other", new Dictionary<string, string> { ["token"] = "not-for-alice" });
        scenario.CommitFile("apps/team.yaml", ManifestWriter.ToYaml(TeamManifest.ToNode(new Team { Name = "payments", Users = ["carol"], Groups = ["payments-oncall"] })));
        scenario.CommitFile("apps/shared.yaml", SharedYaml(scenario.Namespace, "db", [new AccessRule { Verbs = ["get"], Users = ["alice"], Teams = ["payments"] }], [away]));

        var first = await scenario.SyncAsync();

        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        using (var alice = Impersonating("alice"))
        {
            (await ReadValueAsync(alice, scenario.Namespace, "db")).ShouldBe(Planted, "alice was granted get on the shared secret");
            (await ReadValueAsync(alice, away, "db")).ShouldBe(Planted, "and on its copy in the distributed namespace");
            (await StatusOfReadAsync(alice, scenario.Namespace, "other")).ShouldBe(HttpStatusCode.Forbidden, "alice can read no other Secret");
            (await StatusOfListAsync(alice, scenario.Namespace)).ShouldBe(HttpStatusCode.Forbidden, "get on one name is not list");
        }

        using (var bob = Impersonating("bob"))
        {
            (await StatusOfReadAsync(bob, scenario.Namespace, "db")).ShouldBe(HttpStatusCode.Forbidden, "bob was granted nothing");
        }

        using (var carol = Impersonating("carol"))
        {
            (await ReadValueAsync(carol, scenario.Namespace, "db")).ShouldBe(Planted, "carol is a member of team payments");
        }

        using (var oncall = Impersonating("dave", "payments-oncall"))
        {
            (await ReadValueAsync(oncall, away, "db")).ShouldBe(Planted, "a member of the team's group can read it too");
        }

        scenario.CommitFile("apps/shared.yaml", SharedYaml(scenario.Namespace, "db", [], [away]));

        var second = await scenario.SyncAsync();

        second.ExitCode.ShouldBe(ExitCodes.Success, second.ToString());
        second.Stdout.ShouldContain("delete Role+RoleBinding", Case.Sensitive, second.ToString());
        using (var alice = Impersonating("alice"))
        {
            (await StatusOfReadAsync(alice, scenario.Namespace, "db")).ShouldBe(HttpStatusCode.Forbidden, "the access rule is gone, so is alice's access");
            (await StatusOfReadAsync(alice, away, "db")).ShouldBe(HttpStatusCode.Forbidden);
        }

        (await scenario.ReadAsync(away, "db")).ShouldNotBeNull("the Secret stays where it is distributed");
        (first.ToString() + second.ToString()).Contains(Planted, StringComparison.Ordinal).ShouldBeFalse("no value in the command's output");
    }

    [RealClusterFact]
    public async Task Sync_SharedPullSecret_MergedIntoServiceAccountOthersEntryKeptThenRemoved()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        await scenario.Client.CoreV1.CreateNamespacedServiceAccountAsync(
            new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "builder" }, ImagePullSecrets = [new V1LocalObjectReference { Name = "theirs" }] }, scenario.Namespace, fieldManager: "e2e-admin");
        scenario.CommitFile("apps/regcred.yaml", SharedYaml(scenario.Namespace, "regcred", [], [], new ImagePull { ServiceAccounts = ["builder"] }));

        var attach = await scenario.SyncAsync();

        attach.ExitCode.ShouldBe(ExitCodes.Success, attach.ToString());
        (await PullSecretsAsync(scenario, "builder")).ShouldBe(["theirs", "regcred"], "merged by server-side apply; the admin's entry kept");
        scenario.CommitFile("apps/regcred.yaml", SharedYaml(scenario.Namespace, "regcred", [], [], dockerConfig: true));

        var detach = await scenario.SyncAsync();

        detach.ExitCode.ShouldBe(ExitCodes.Success, detach.ToString());
        (await PullSecretsAsync(scenario, "builder")).ShouldBe(["theirs"], "our entry went with the attachment, theirs stayed");
    }

    private static async Task<List<string>> PullSecretsAsync(RealClusterScenario scenario, string name) =>
        ((await scenario.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, scenario.Namespace)).ImagePullSecrets ?? []).Select(r => r.Name).ToList();

    private static string SharedYaml(string home, string name, IReadOnlyList<AccessRule> access, IReadOnlyList<string> namespaces, ImagePull? imagePull = null, bool dockerConfig = false)
    {
        using var key = Vectors.LoadKey();
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = home } };
        if (imagePull is not null || dockerConfig)
        {
            secret.Type = SecretTypes.DockerConfigJson;
            secret.Data[SecretTypes.DockerConfigJsonKey] = Encoding.UTF8.GetBytes($"{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("robot:" + Planted))}\"}}}}}}");
        }
        else
        {
            secret.Data["password"] = Encoding.UTF8.GetBytes(Planted);
        }

        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        var shared = new SharedSecret
        {
            Sealed = sealer.Seal(secret, key, SealingScope.Strict),
            Access = access,
            Distribute = new Distribution { Namespaces = namespaces },
            ImagePull = imagePull,
        };
        return ManifestWriter.ToYaml(SharedSecretManifest.ToNode(shared));
    }

    /// <summary>The admin's kubeconfig acting as another user, as the API server's impersonation allows an admin to.</summary>
    private static k8s.Kubernetes Impersonating(string user, params string[] groups) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(RealCluster.Kubeconfig), new ImpersonationHandler(user, groups));

    private static async Task<string> ReadValueAsync(k8s.Kubernetes client, string ns, string name) =>
        Encoding.UTF8.GetString((await client.CoreV1.ReadNamespacedSecretAsync(name, ns)).Data["password"]);

    private static async Task<HttpStatusCode> StatusOfReadAsync(k8s.Kubernetes client, string ns, string name)
    {
        try
        {
            await client.CoreV1.ReadNamespacedSecretAsync(name, ns);
            return HttpStatusCode.OK;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }

    private static async Task<HttpStatusCode> StatusOfListAsync(k8s.Kubernetes client, string ns)
    {
        try
        {
            await client.CoreV1.ListNamespacedSecretAsync(ns);
            return HttpStatusCode.OK;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }

    private sealed class ImpersonationHandler(string user, string[] groups) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("Impersonate-User", user);
            foreach (var group in groups)
            {
                request.Headers.Add("Impersonate-Group", group);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
