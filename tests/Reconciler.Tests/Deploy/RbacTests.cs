using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.TestSupport;
using k8s;

namespace GitOpsSecrets.Tests.Deploy;

/// <summary>
/// deploy/rbac.yaml grants exactly what the code calls: every call below is allowed, and nothing is
/// allowed that no call needs (no wildcard, no spare verb).
/// </summary>
public sealed partial class RbacTests
{
    /// <summary>Where a call lands: the worker's own namespace (Role) or any namespace (ClusterRole).</summary>
    public enum Reach
    {
        WorkerNamespace,
        AnyNamespace,

        /// <summary>Made by a CLI command with the user's own kubeconfig, never by the worker: no role of ours grants it.</summary>
        UserCredentials,
    }

    /// <summary>One KubernetesClient call the product makes and the permission it needs.</summary>
    public sealed record KubernetesCall(string Room, Type Operations, string Method, string Group, string Resource, string Verb, Reach Reach)
    {
        public override string ToString() => $"{Room}: {Operations.Name}.{Method} → {(Group.Length == 0 ? "core" : Group)}/{Resource} {Verb}";
    }

    /// <summary>
    /// The single source of truth for RBAC: every KubernetesClient call the worker's rooms make. A test
    /// below scans src/Reconciler for calls, so a call added to the code fails until it is listed here,
    /// and this list fails until rbac.yaml grants it.
    /// </summary>
    public static readonly IReadOnlyList<KubernetesCall> Calls =
    [
        // Kubernetes target: one LIST per namespace (cluster-wide on the first sync), reads of wanted ids,
        // server-side apply and merge patches (PATCH), create after delete (recreate), prune.
        new("Kubernetes", typeof(ICoreV1Operations), "ListNamespacedSecret", "", "secrets", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "ListSecretForAllNamespaces", "", "secrets", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "ReadNamespacedSecret", "", "secrets", "get", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "PatchNamespacedSecret", "", "secrets", "patch", Reach.AnyNamespace),

        // A server-side apply that creates the object is also authorized as "create" by the API server.
        new("Kubernetes", typeof(ICoreV1Operations), "PatchNamespacedSecret", "", "secrets", "create", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "DeleteNamespacedSecret", "", "secrets", "delete", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "CreateNamespace", "", "namespaces", "create", Reach.AnyNamespace),

        // SharedSecrets (docs/shared-secrets.md): the namespaces and their labels for namespaceSelector; one
        // Role and RoleBinding per verb set, found by label in every namespace, checked by name before the
        // first apply (never clobbering one of someone else's), applied and pruned; image pull attachments
        // on existing ServiceAccounts (patch only: without create, an apply can never make a ServiceAccount).
        new("Kubernetes", typeof(ICoreV1Operations), "ListNamespace", "", "namespaces", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "ListRoleForAllNamespaces", "rbac.authorization.k8s.io", "roles", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "ListRoleBindingForAllNamespaces", "rbac.authorization.k8s.io", "rolebindings", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "ReadNamespacedRole", "rbac.authorization.k8s.io", "roles", "get", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "ReadNamespacedRoleBinding", "rbac.authorization.k8s.io", "rolebindings", "get", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRole", "rbac.authorization.k8s.io", "roles", "patch", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRole", "rbac.authorization.k8s.io", "roles", "create", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRoleBinding", "rbac.authorization.k8s.io", "rolebindings", "patch", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRoleBinding", "rbac.authorization.k8s.io", "rolebindings", "create", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "DeleteNamespacedRole", "rbac.authorization.k8s.io", "roles", "delete", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "DeleteNamespacedRoleBinding", "rbac.authorization.k8s.io", "rolebindings", "delete", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "ListNamespacedServiceAccount", "", "serviceaccounts", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(ICoreV1Operations), "PatchNamespacedServiceAccount", "", "serviceaccounts", "patch", Reach.AnyNamespace),

        // RBAC's escalation check: a Role (and a RoleBinding to it) may only grant what the worker holds
        // itself, so it holds every verb spec.access may name on Secrets (instead of the broader escalate/bind).
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRole", "", "secrets", "watch", Reach.AnyNamespace),
        new("Kubernetes", typeof(IRbacAuthorizationV1Operations), "PatchNamespacedRole", "", "secrets", "update", Reach.AnyNamespace),

        // Events (Unsealed, ErrUnsealFailed, ErrUpdateFailed) about the Secrets, in their namespaces.
        new("Kubernetes", typeof(ICoreV1Operations), "CreateNamespacedEvent", "", "events", "create", Reach.AnyNamespace),

        // The cluster key store in the worker's namespace: labelled key Secrets, the legacy one, new keys.
        new("Keys", typeof(ICoreV1Operations), "ListNamespacedSecret", "", "secrets", "list", Reach.WorkerNamespace),
        new("Keys", typeof(ICoreV1Operations), "ReadNamespacedSecret", "", "secrets", "get", Reach.WorkerNamespace),
        new("Keys", typeof(ICoreV1Operations), "CreateNamespacedSecret", "", "secrets", "create", Reach.WorkerNamespace),

        // Leader election on a coordination.k8s.io/v1 Lease in the worker's namespace.
        new("Worker", typeof(ICoordinationV1Operations), "ReadNamespacedLease", "coordination.k8s.io", "leases", "get", Reach.WorkerNamespace),
        new("Worker", typeof(ICoordinationV1Operations), "CreateNamespacedLease", "coordination.k8s.io", "leases", "create", Reach.WorkerNamespace),
        new("Worker", typeof(ICoordinationV1Operations), "ReplaceNamespacedLease", "coordination.k8s.io", "leases", "update", Reach.WorkerNamespace),

        // Workload restarts: opted-in Deployments, StatefulSets and DaemonSets are read per namespace and
        // rolled by a server-side apply of one pod-template annotation (never created: no create verb, so
        // an apply to a workload deleted meanwhile is refused instead of making one).
        new("Kubernetes", typeof(IAppsV1Operations), "ListNamespacedDeployment", "apps", "deployments", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IAppsV1Operations), "ListNamespacedStatefulSet", "apps", "statefulsets", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IAppsV1Operations), "ListNamespacedDaemonSet", "apps", "daemonsets", "list", Reach.AnyNamespace),
        new("Kubernetes", typeof(IAppsV1Operations), "PatchNamespacedDeployment", "apps", "deployments", "patch", Reach.AnyNamespace),
        new("Kubernetes", typeof(IAppsV1Operations), "PatchNamespacedStatefulSet", "apps", "statefulsets", "patch", Reach.AnyNamespace),
        new("Kubernetes", typeof(IAppsV1Operations), "PatchNamespacedDaemonSet", "apps", "daemonsets", "patch", Reach.AnyNamespace),

        // Key retirement (keys.retireAfter in the worker; keys retire and keys compromised in the CLI): the
        // compromised label on a key Secret, its deletion later, and Events about both.
        new("Keys", typeof(ICoreV1Operations), "PatchNamespacedSecret", "", "secrets", "patch", Reach.WorkerNamespace),
        new("Keys", typeof(ICoreV1Operations), "DeleteNamespacedSecret", "", "secrets", "delete", Reach.WorkerNamespace),
        new("Keys", typeof(ICoreV1Operations), "CreateNamespacedEvent", "", "events", "create", Reach.WorkerNamespace),

        // seal (and the kubeseal alias) and reseal read the controller's Service for its port name before
        // going through the API server's proxy, as kubeseal does (docs/kubeseal.md: the user needs this).
        new("Cli", typeof(ICoreV1Operations), "ReadNamespacedService", "", "services", "get", Reach.UserCredentials),
    ];

    [Fact]
    public void Calls_AreExactlyTheKubernetesClientCallsInTheSource()
    {
        var source = Directory.EnumerateFiles(RepositoryFiles.Path("src/Reconciler"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => ClientCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

        source.ShouldNotBeEmpty();
        source.Order(StringComparer.Ordinal).ShouldBe(Calls.Select(c => c.Method).Distinct().Order(StringComparer.Ordinal), "every call in src/Reconciler is listed here, and every listed call is made");
    }

    [GeneratedRegex(@"\.(?:CoreV1|CoordinationV1|EventsV1|AppsV1|RbacAuthorizationV1)\.([A-Za-z]+?)(?:WithHttpMessages)?Async\(")]
    private static partial Regex ClientCall();

    public static TheoryData<string> CallNames() => new(Calls.Select(c => c.ToString()));

    [Theory]
    [MemberData(nameof(CallNames))]
    public void Call_IsARealKubernetesClientOperation(string call)
    {
        var entry = Calls.Single(c => c.ToString() == call);

        entry.Operations.GetMethod(entry.Method + "WithHttpMessagesAsync").ShouldNotBeNull($"{entry}: KubernetesClient has no such operation");
    }

    [Fact]
    public void Role_GrantsExactlyTheWorkerNamespaceCalls()
    {
        var granted = Grants(DeployManifests.Single("Role"));

        granted.ShouldBe(Needed(Reach.WorkerNamespace), ignoreOrder: true);
    }

    [Fact]
    public void ClusterRole_GrantsExactlyTheCallsInAnyNamespace()
    {
        var granted = Grants(DeployManifests.Single("ClusterRole"));

        granted.ShouldBe(Needed(Reach.AnyNamespace), ignoreOrder: true);
    }

    [Fact]
    public void Rules_HaveNoWildcards_NoResourceNames_NoNonResourceUrls()
    {
        foreach (var role in new[] { DeployManifests.Single("Role"), DeployManifests.Single("ClusterRole") })
        {
            role.At("aggregationRule").ShouldBeNull();
            foreach (var rule in role.Arr("rules").OfType<JsonObject>())
            {
                var everything = rule.Strings("apiGroups").Concat(rule.Strings("resources")).Concat(rule.Strings("verbs"));
                everything.ShouldNotContain("*", $"{role.Str("kind")}: no wildcard");
                rule.At("nonResourceURLs").ShouldBeNull();
                rule.Strings("resources").ShouldAllBe(r => !r.Contains('/'), "no subresources (such as secrets/status) are used");
            }
        }
    }

    [Theory]
    [InlineData("RoleBinding", "Role")]
    [InlineData("ClusterRoleBinding", "ClusterRole")]
    public void Binding_GivesTheRoleToTheWorkersServiceAccount(string bindingKind, string roleKind)
    {
        var binding = DeployManifests.Single(bindingKind);
        var serviceAccount = DeployManifests.Single("ServiceAccount");

        binding.Str("roleRef.kind").ShouldBe(roleKind);
        binding.Str("roleRef.apiGroup").ShouldBe("rbac.authorization.k8s.io");
        binding.Str("roleRef.name").ShouldBe(DeployManifests.Single(roleKind).Str("metadata.name"));
        var subject = binding.Arr("subjects").ShouldHaveSingleItem().ShouldBeOfType<JsonObject>();
        subject.Str("kind").ShouldBe("ServiceAccount");
        subject.Str("name").ShouldBe(serviceAccount.Str("metadata.name"));
        subject.Str("namespace").ShouldBe(serviceAccount.Str("metadata.namespace"));
    }

    private static List<string> Needed(Reach reach) =>
        Calls.Where(c => c.Reach == reach).Select(c => Permission(c.Group, c.Resource, c.Verb)).Distinct().ToList();

    private static List<string> Grants(JsonObject role) =>
        role.Arr("rules").OfType<JsonObject>()
            .SelectMany(rule =>
                from g in rule.Strings("apiGroups")
                from r in rule.Strings("resources")
                from v in rule.Strings("verbs")
                select Permission(g, r, v))
            .ToList();

    private static string Permission(string group, string resource, string verb) => $"{(group.Length == 0 ? "core" : group)}/{resource}:{verb}";
}
