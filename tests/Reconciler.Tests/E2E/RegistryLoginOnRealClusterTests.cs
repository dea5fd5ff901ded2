using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// <c>registry login</c> against the real API server as real users (client certificates from the
/// cluster's CA): alice, granted <c>get</c> on exactly the shared pull secret by a Role and RoleBinding,
/// gets the registry auth into her docker config; bob, granted nothing, gets one "forbidden" line and
/// an untouched file; alice is refused every other Secret of the namespace.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class RegistryLoginOnRealClusterTests
{
    private const string Password = "planted-pull-password-93c1";
    private const string Registry = "registry.e2e.example.com";

    [RealClusterFact]
    public async Task RegistryLogin_AliceGrantedBobNot_RbacDecides()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        using var work = new TempDirectory();
        var ns = scenario.Namespace;
        await CreatePullSecretAsync(scenario, "regcred");
        await scenario.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "other" }, StringData = new Dictionary<string, string> { ["password"] = Password } }, ns);
        await GrantGetAsync(scenario, "regcred", "alice");
        var users = new ClusterUsers(scenario.Kubeconfig, work.File("kube"));
        var alice = users.WriteKubeconfig("alice", "developers");
        var bob = users.WriteKubeconfig("bob", "developers");
        await Poll.UntilAsync(() => CanGetAsync(scenario, "alice", "regcred"), RealClusterWorker.Patience, () => "the API server's authorizer sees alice's RoleBinding");

        // alice: the registry's auth lands in her docker config, 0600.
        var aliceDocker = work.File("alice-docker");
        var asAlice = await Runner(aliceDocker).RunAsync("registry", "login", "--secret", $"{ns}/regcred", "--kubeconfig", alice);
        asAlice.ExitCode.ShouldBe(ExitCodes.Success, asAlice.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(aliceDocker, "config.json")))!;
        config["auths"]![Registry]!["auth"]!.GetValue<string>().ShouldBe(Convert.ToBase64String(Encoding.UTF8.GetBytes($"puller:{Password}")), "alice's docker config has the shared registry login");
        File.GetUnixFileMode(Path.Combine(aliceDocker, "config.json")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // alice's grant names one Secret: another in the same namespace is refused.
        var aliceOther = await Runner(aliceDocker).RunAsync("registry", "login", "--secret", $"{ns}/other", "--kubeconfig", alice);
        aliceOther.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, aliceOther.ToString());
        aliceOther.Stderr.ShouldBe($"error: forbidden: user \"alice\" cannot get secret {ns}/other\n", aliceOther.ToString());

        // bob: one forbidden line, his file exactly as it was.
        var bobDocker = work.File("bob-docker");
        Directory.CreateDirectory(bobDocker);
        const string bobConfig = """{"auths":{"mine.example.com":{"auth":"Ym9iOmJvYg=="}}}""";
        File.WriteAllText(Path.Combine(bobDocker, "config.json"), bobConfig);
        var asBob = await Runner(bobDocker).RunAsync("registry", "login", "--secret", $"{ns}/regcred", "--kubeconfig", bob);
        asBob.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, asBob.ToString());
        asBob.Stderr.ShouldBe($"error: forbidden: user \"bob\" cannot get secret {ns}/regcred\n", asBob.ToString());
        File.ReadAllText(Path.Combine(bobDocker, "config.json")).ShouldBe(bobConfig, "a refused login leaves the file unchanged");

        // alice logs out: exactly that registry goes.
        var logout = await Runner(aliceDocker).RunAsync("registry", "logout", "--secret", $"{ns}/regcred", "--kubeconfig", alice);
        logout.ExitCode.ShouldBe(ExitCodes.Success, logout.ToString());
        (JsonNode.Parse(File.ReadAllText(Path.Combine(aliceDocker, "config.json")))!["auths"] as JsonObject).ShouldNotBeNull().ContainsKey(Registry).ShouldBeFalse();

        (asAlice.All + aliceOther.All + asBob.All + logout.All).ShouldNotContain(Password, Case.Sensitive, "no credential is printed");
    }

    /// <summary>
    /// The whole path: the pull secret and alice's access come from a SharedSecret in git, synced by the
    /// engine to the real API server, which makes the Secret and the Role/RoleBinding; then RBAC decides
    /// <c>registry login</c> for alice and bob.
    /// </summary>
    [RealClusterFact]
    public async Task RegistryLogin_PullSecretFromSyncedSharedSecret_AliceLogsInBobForbiddenFileUnchanged()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        using var work = new TempDirectory();
        var ns = scenario.Namespace;
        scenario.CommitFile("apps/regcred.yaml", SharedPullSecretYaml(ns, "regcred", "alice"));

        var sync = await scenario.SyncAsync();

        sync.ExitCode.ShouldBe(ExitCodes.Success, sync.ToString());
        (await scenario.Client.CoreV1.ReadNamespacedSecretAsync("regcred", ns)).Type.ShouldBe("kubernetes.io/dockerconfigjson", "the engine made the pull secret");
        var users = new ClusterUsers(scenario.Kubeconfig, work.File("kube"));
        var alice = users.WriteKubeconfig("alice", "developers");
        var bob = users.WriteKubeconfig("bob", "developers");
        await Poll.UntilAsync(() => CanGetAsync(scenario, "alice", "regcred"), RealClusterWorker.Patience, () => "the API server's authorizer sees the RoleBinding the sync made");

        var aliceDocker = work.File("alice-docker");
        var asAlice = await Runner(aliceDocker).RunAsync("registry", "login", "--secret", $"{ns}/regcred", "--kubeconfig", alice);
        asAlice.ExitCode.ShouldBe(ExitCodes.Success, asAlice.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(aliceDocker, "config.json")))!;
        config["auths"]![Registry]!["auth"]!.GetValue<string>().ShouldBe(Convert.ToBase64String(Encoding.UTF8.GetBytes($"puller:{Password}")), "alice's docker config has the shared registry login");

        var bobDocker = work.File("bob-docker");
        Directory.CreateDirectory(bobDocker);
        const string bobConfig = """{"auths":{"mine.example.com":{"auth":"Ym9iOmJvYg=="}}}""";
        File.WriteAllText(Path.Combine(bobDocker, "config.json"), bobConfig);
        var asBob = await Runner(bobDocker).RunAsync("registry", "login", "--secret", $"{ns}/regcred", "--kubeconfig", bob);
        asBob.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, asBob.ToString());
        asBob.Stderr.ShouldBe($"error: forbidden: user \"bob\" cannot get secret {ns}/regcred\n", asBob.ToString());
        File.ReadAllText(Path.Combine(bobDocker, "config.json")).ShouldBe(bobConfig, "a refused login leaves the file unchanged");

        (sync.ToString() + asAlice.All + asBob.All).ShouldNotContain(Password, Case.Sensitive, "no credential is printed");
    }

    /// <summary>A SharedSecret of type <c>kubernetes.io/dockerconfigjson</c>, sealed with the test key, granting USER <c>get</c>.</summary>
    private static string SharedPullSecretYaml(string ns, string name, string user)
    {
        using var key = Vectors.LoadKey();
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"puller:{Password}"));
        var dockerConfig = new JsonObject { ["auths"] = new JsonObject { [Registry] = new JsonObject { ["username"] = "puller", ["password"] = Password, ["auth"] = auth } } };
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = ns }, Type = SecretTypes.DockerConfigJson };
        secret.Data[SecretTypes.DockerConfigJsonKey] = Encoding.UTF8.GetBytes(dockerConfig.ToJsonString());
        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        var shared = new SharedSecret
        {
            Sealed = sealer.Seal(secret, key, SealingScope.Strict),
            Access = [new AccessRule { Verbs = ["get"], Users = [user] }],
        };
        return ManifestWriter.ToYaml(SharedSecretManifest.ToNode(shared));
    }

    private static CliRunner Runner(string dockerConfig)
    {
        var runner = new CliRunner();
        runner.Environment["DOCKER_CONFIG"] = dockerConfig;
        return runner;
    }

    private static async Task CreatePullSecretAsync(RealClusterScenario scenario, string name)
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"puller:{Password}"));
        var dockerConfig = new JsonObject { ["auths"] = new JsonObject { [Registry] = new JsonObject { ["username"] = "puller", ["password"] = Password, ["auth"] = auth } } };
        await scenario.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name },
                Type = "kubernetes.io/dockerconfigjson",
                Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(dockerConfig.ToJsonString()) },
            },
            scenario.Namespace);
    }

    /// <summary>What the shared-secret engine makes for <c>access: [{verbs: [get], users: [USER]}]</c>: a Role naming exactly that Secret, and its RoleBinding.</summary>
    private static async Task GrantGetAsync(RealClusterScenario scenario, string secret, string user)
    {
        await scenario.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role
            {
                Metadata = new V1ObjectMeta { Name = $"{secret}-read" },
                Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], ResourceNames = [secret], Verbs = ["get"] }],
            },
            scenario.Namespace);
        await scenario.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"{secret}-read" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = $"{secret}-read" },
                Subjects = [new Rbacv1Subject { ApiGroup = "rbac.authorization.k8s.io", Kind = "User", Name = user }],
            },
            scenario.Namespace);
    }

    private static async Task<bool> CanGetAsync(RealClusterScenario scenario, string user, string secret)
    {
        var review = await scenario.Client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                ResourceAttributes = new V1ResourceAttributes { Verb = "get", Resource = "secrets", Name = secret, NamespaceProperty = scenario.Namespace },
            },
        });
        return review.Status.Allowed;
    }
}
