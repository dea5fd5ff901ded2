using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.Deploy;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// deploy/'s ServiceAccount, Role, ClusterRole and bindings applied to a real API server, and the worker
/// run with that ServiceAccount's token through the paths the Deployment exercises: sync to a kubernetes
/// target with prune and createNamespaces, Events, the cluster key store with renewal, and leader election.
/// The audit log then shows every call the ServiceAccount made: a denied one fails the test, and a verb of
/// a Role that no call needed is reported.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class WorkerRbacOnRealClusterTests(ITestOutputHelper output)
{
    private const string Planted = "planted-rbac-value-d41a";
    private const string DeployNamespace = DeployManifests.Namespace;

    [RealClusterAuditFact]
    public async Task WorkerWithDeployRbac_SyncRunRenewLead_EveryCallIsAllowed()
    {
        await using var world = RealClusterWorker.Start();
        var system = await world.NamespaceAsync("system");
        var apps = await world.NamespaceAsync("apps");
        var created = world.FutureNamespace("created");
        var rbac = await ApplyDeployRbacAsync(world, system);
        var user = $"system:serviceaccount:{system}:{rbac.ServiceAccount}";
        var kubeconfig = world.WriteTokenKubeconfig("worker", await ServiceAccountTokenAsync(world, system, rbac.ServiceAccount));
        await world.AddVectorKeyAsync(system);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-db" });
        world.Commit("apps/api.yaml", apps, "api", new Dictionary<string, string> { ["token"] = Planted + "-api" });
        world.Commit("apps/cache.yaml", created, "cache", new Dictionary<string, string> { ["password"] = Planted + "-cache" });
        var syncConfig = world.WriteConfig("sync", Config(world, system, kubeconfig, leaderElect: false));

        // sync: apply (a namespace created on the way), Events, then prune.
        var first = await new CliRunner().RunAsync("sync", "--config", syncConfig);
        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        (await world.SecretValueAsync(apps, "db", "password")).ShouldBe(Planted + "-db");
        (await world.SecretValueAsync(created, "cache", "password")).ShouldBe(Planted + "-cache", "createNamespaces made the namespace");
        world.Remove("apps/api.yaml");
        var second = await new CliRunner().RunAsync("sync", "--config", syncConfig);
        second.ExitCode.ShouldBe(ExitCodes.Success, second.ToString());
        (await world.ReadSecretAsync(apps, "api")).ShouldBeNull("prune deleted the Secret whose SealedSecret left the repository");
        (first.All + second.All).ShouldNotContain(Planted);

        var events = await world.EventsAboutAsync(apps, "db");
        var unsealed = events.ShouldHaveSingleItem("one Event for the one apply of db");
        unsealed.Reason.ShouldBe("Unsealed");
        unsealed.Type.ShouldBe("Normal");
        unsealed.Source.Component.ShouldBe("gitops-secrets");
        unsealed.InvolvedObject.Kind.ShouldBe("Secret");
        unsealed.Message.ShouldNotContain(Planted, Case.Sensitive, "Events never carry values");

        // run: leader election, key renewal (the vector key is older than the period), and a sync of the next commit.
        var worker = world.StartProcess("rbac-worker", "run", "--config", world.WriteConfig("run", Config(world, system, kubeconfig, leaderElect: true)));
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-db2" });
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-db2", RealClusterWorker.Patience, () => $"the worker applies the next commit\n{worker}");
        await Poll.UntilAsync(async () => (await world.KeySecretsAsync(system)).Count == 2, RealClusterWorker.Patience, () => $"the worker renews the key\n{worker}");
        await Poll.UntilAsync(
            async () => (await world.ReadLeaseAsync(system, "gitops-secrets-leader")) is { Spec: { } spec } && spec.RenewTime > spec.AcquireTime,
            RealClusterWorker.Patience,
            () => $"the worker holds and renews its Lease\n{worker}");
        worker.Kill();
        worker.Output.ShouldNotContain(Planted);

        // Every request the ServiceAccount made is in the audit log before a last one of its own.
        var audit = AuditLog.Path ?? throw new InvalidOperationException("no audit log");
        string sentinel;
        using (var asWorker = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)))
        {
            using var last = await asWorker.CoordinationV1.ReadNamespacedLeaseWithHttpMessagesAsync("gitops-secrets-leader", system);
            sentinel = last.Response.Headers.GetValues("Audit-Id").Single();
            await AuditLog.UntilLoggedAsync(audit, sentinel, RealClusterWorker.Patience);
        }

        var calls = AuditLog.Read(audit, user).Where(e => e.User == user && e.AuditId != sentinel).ToList();
        calls.ShouldNotBeEmpty($"the audit log has the requests of {user}");
        output.WriteLine($"{user} made {calls.Count} requests: {string.Join(", ", calls.GroupBy(c => c.Permission).Select(g => $"{g.Key} ×{g.Count()}"))}");
        calls.Where(c => c.Denied).ShouldBeEmpty("every call of the worker is allowed by deploy/rbac.yaml");

        // Which rules the authorizer used; a granted verb nothing needed is reported, not failed.
        var unused = rbac.Rules.Where(rule => !calls.Any(c => rule.AllowedThis(c))).ToList();
        foreach (var rule in unused)
        {
            output.WriteLine($"RBAC not needed by any call in this test: {rule}");
        }

        await DeniedAsync(world, user, system, apps);
    }

    /// <summary>What deploy/ does not grant stays denied (SubjectAccessReview, the API server's own answer).</summary>
    private async Task DeniedAsync(RealClusterWorker world, string user, string system, string apps)
    {
        (string Verb, string Group, string Resource, string? Subresource, string? Namespace)[] forbidden =
        [
            // update and watch on Secrets are held on purpose: a SharedSecret's Role may grant them, and RBAC
            // lets the worker grant only what it holds (instead of escalate/bind, denied below).
            ("deletecollection", "", "secrets", null, apps),
            ("create", "", "serviceaccounts", null, apps),
            ("bind", "rbac.authorization.k8s.io", "roles", null, apps),
            ("escalate", "rbac.authorization.k8s.io", "roles", null, apps),
            ("create", "rbac.authorization.k8s.io", "clusterrolebindings", null, null),
            ("get", "", "configmaps", null, apps),
            ("delete", "", "namespaces", null, null),
            ("get", "coordination.k8s.io", "leases", null, "kube-system"),
            ("update", "coordination.k8s.io", "leases", null, "kube-system"),
            ("delete", "coordination.k8s.io", "leases", null, system),
            ("create", "", "pods", null, system),
            ("create", "", "serviceaccounts", "token", system),
            ("escalate", "rbac.authorization.k8s.io", "clusterroles", null, null),
            ("impersonate", "", "users", null, null),
            ("create", "apps", "deployments", null, apps),
        ];
        foreach (var (verb, group, resource, subresource, @namespace) in forbidden)
        {
            (await CanAsync(world, user, verb, group, resource, subresource, @namespace)).ShouldBeFalse($"{user} must not {verb} {group}/{resource}/{subresource} in {@namespace ?? "the cluster"}");
        }

        // deploy/ grants Secrets in every namespace on purpose (the ClusterRole: targets are any namespace).
        var readsEverywhere = await CanAsync(world, user, "get", "", "secrets", null, "kube-system");
        output.WriteLine($"{user} can read Secrets in kube-system: {readsEverywhere} (deploy/rbac.yaml's ClusterRole grants secrets get/list cluster-wide by design)");
    }

    private static async Task<bool> CanAsync(RealClusterWorker world, string user, string verb, string group, string resource, string? subresource, string? @namespace)
    {
        var review = await world.Client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                Groups = ["system:serviceaccounts", $"system:serviceaccounts:{user.Split(':')[2]}", "system:authenticated"],
                ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, Subresource = subresource, NamespaceProperty = @namespace },
            },
        });
        return review.Status.Allowed;
    }

    private static string Config(RealClusterWorker world, string system, string kubeconfig, bool leaderElect) => $"""
        source:
          url: {world.Remote.BarePath}
          paths: [apps]
          interval: 1s
          cacheDir: {world.Scratch(leaderElect ? "run-cache" : "sync-cache")}
        keys:
          clusterNamespace: {system}
          kubeconfig: {kubeconfig}
          renewPeriod: 1h
        targets:
          - name: in-cluster
            kind: kubernetes
            kubeconfig: {kubeconfig}
            prune: true
            createNamespaces: true
        worker:
          listen: http://127.0.0.1:0
          leaderElect: {(leaderElect ? "true" : "false")}
          leaseNamespace: {system}
          leaseDuration: 4s
          jitter: 0
        """;

    /// <summary>
    /// deploy/'s ServiceAccount, Role(s), ClusterRole(s) and bindings, moved from the gitops-secrets
    /// namespace into NAMESPACE (as deploy/README.md says to do for another namespace) and, being
    /// cluster-wide, the ClusterRole and its binding renamed for this test.
    /// </summary>
    private static async Task<AppliedRbac> ApplyDeployRbacAsync(RealClusterWorker world, string @namespace)
    {
        var rules = new List<RbacRule>();
        string? serviceAccount = null;
        string Renamed(string name) => $"{world.Prefix}-{name}";
        foreach (var (file, source) in DeployManifests.Objects)
        {
            var manifest = source.DeepClone().AsObject();
            var kind = manifest.Str("kind");
            if (manifest["metadata"]?["namespace"] is not null)
            {
                manifest["metadata"]!["namespace"] = manifest.Str("metadata.namespace") == DeployNamespace ? @namespace : throw new InvalidOperationException($"deploy/{file}: {kind} outside {DeployNamespace}");
            }

            foreach (var subject in (manifest["subjects"] as JsonArray ?? []).OfType<JsonObject>().Where(s => s.Str("namespace") == DeployNamespace))
            {
                subject["namespace"] = @namespace;
            }

            switch (kind)
            {
                case "ServiceAccount":
                    serviceAccount = manifest.Str("metadata.name");
                    await world.Client.CoreV1.CreateNamespacedServiceAccountAsync(KubernetesJson.Deserialize<V1ServiceAccount>(manifest.ToJsonString()), @namespace);
                    break;
                case "Role":
                    var role = await world.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(KubernetesJson.Deserialize<V1Role>(manifest.ToJsonString()), @namespace);
                    rules.AddRange(RbacRule.From($"Role \"{role.Metadata.Name}\"", @namespace, role.Rules));
                    break;
                case "RoleBinding":
                    await world.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(KubernetesJson.Deserialize<V1RoleBinding>(manifest.ToJsonString()), @namespace);
                    break;
                case "ClusterRole":
                    manifest["metadata"]!["name"] = Renamed(manifest.Str("metadata.name")!);
                    var clusterRole = await world.Client.RbacAuthorizationV1.CreateClusterRoleAsync(KubernetesJson.Deserialize<V1ClusterRole>(manifest.ToJsonString()));
                    world.OnCleanup(() => world.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(clusterRole.Metadata.Name));
                    rules.AddRange(RbacRule.From($"ClusterRole \"{clusterRole.Metadata.Name}\"", null, clusterRole.Rules));
                    break;
                case "ClusterRoleBinding":
                    manifest["metadata"]!["name"] = Renamed(manifest.Str("metadata.name")!);
                    manifest["roleRef"]!["name"] = Renamed(manifest.Str("roleRef.name")!);
                    var binding = await world.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(KubernetesJson.Deserialize<V1ClusterRoleBinding>(manifest.ToJsonString()));
                    world.OnCleanup(() => world.Client.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(binding.Metadata.Name));
                    break;
            }
        }

        rules.ShouldNotBeEmpty("deploy/ grants the worker something");
        return new AppliedRbac(serviceAccount ?? throw new InvalidOperationException("deploy/ has no ServiceAccount"), rules);
    }

    /// <summary>
    /// A token Secret for the ServiceAccount, filled in by the token controller (Kubernetes 1.20 also
    /// makes one by itself; newer versions, as kind runs, only on request like this).
    /// </summary>
    private static async Task<string> ServiceAccountTokenAsync(RealClusterWorker world, string @namespace, string serviceAccount)
    {
        var name = serviceAccount + "-e2e-token";
        await world.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { ["kubernetes.io/service-account.name"] = serviceAccount } },
                Type = "kubernetes.io/service-account-token",
            },
            @namespace);
        byte[]? token = null;
        await Poll.UntilAsync(
            async () => (await world.ReadSecretAsync(@namespace, name))?.Data?.TryGetValue("token", out token) == true,
            RealClusterWorker.Patience,
            () => $"the token controller fills {@namespace}/{name}");
        return Encoding.UTF8.GetString(token!);
    }

    private sealed record AppliedRbac(string ServiceAccount, IReadOnlyList<RbacRule> Rules);

    /// <summary>One verb on one resource as a Role or ClusterRole grants it.</summary>
    private sealed record RbacRule(string Role, string? Namespace, string Verb, string Group, string Resource)
    {
        public static IEnumerable<RbacRule> From(string role, string? @namespace, IEnumerable<V1PolicyRule> rules) =>
            from rule in rules
            from @group in rule.ApiGroups ?? [string.Empty]
            from resource in rule.Resources ?? []
            from verb in rule.Verbs
            select new RbacRule(role, @namespace, verb, @group, resource);

        /// <summary>The authorizer's reason names the role whose rule allowed the call ("… of Role "X" …").</summary>
        public bool AllowedThis(AuditEntry call) =>
            call.Decision == "allow" && call.Reason?.Contains($"of {Role} ", StringComparison.Ordinal) == true
            && call.Verb == Verb && (call.ApiGroup ?? string.Empty) == Group && call.Resource == Resource;

        public override string ToString() => $"{Role}{(Namespace is null ? string.Empty : $" in {Namespace}")}: {Verb} {(Group.Length == 0 ? string.Empty : Group + "/")}{Resource}";
    }
}
