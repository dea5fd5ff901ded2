using System.Text.Json.Nodes;
using k8s;

namespace GitOpsSecrets.Tests.Deploy;

/// <summary>
/// deploy/rbac.yaml grants exactly what the code calls: every call below is allowed, and nothing is
/// allowed that no call needs (no wildcard, no spare verb).
/// </summary>
public sealed class RbacTests
{
    /// <summary>Where a call lands: the worker's own namespace (Role) or any namespace (ClusterRole).</summary>
    public enum Reach
    {
        WorkerNamespace,
        AnyNamespace,
    }

    /// <summary>One KubernetesClient call the product makes and the permission it needs.</summary>
    public sealed record KubernetesCall(string Room, Type Operations, string Method, string Group, string Resource, string Verb, Reach Reach)
    {
        public override string ToString() => $"{Room}: {Operations.Name}.{Method} → {(Group.Length == 0 ? "core" : Group)}/{Resource} {Verb}";
    }

    /// <summary>
    /// The single source of truth for RBAC: every KubernetesClient call of the Kubernetes target, the
    /// cluster key store and leader election. Written from the rooms' specified calls; the lead verifies
    /// it against the loopback test API server's request log (method + path → verb) when the branches
    /// meet, and a call added to the code must be added here, which then fails until rbac.yaml grants it.
    /// </summary>
    public static readonly IReadOnlyList<KubernetesCall> Calls =
    [
        // Targets.Kubernetes: one LIST per namespace, reads, server-side apply (PATCH), replace, create, prune.
        new("Targets", typeof(ICoreV1Operations), "ListNamespacedSecret", "", "secrets", "list", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "ReadNamespacedSecret", "", "secrets", "get", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "CreateNamespacedSecret", "", "secrets", "create", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "PatchNamespacedSecret", "", "secrets", "patch", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "ReplaceNamespacedSecret", "", "secrets", "update", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "DeleteNamespacedSecret", "", "secrets", "delete", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "ReadNamespace", "", "namespaces", "get", Reach.AnyNamespace),
        new("Targets", typeof(ICoreV1Operations), "CreateNamespace", "", "namespaces", "create", Reach.AnyNamespace),

        // Worker reporting: Events about the Secrets it applies, in their namespaces.
        new("Worker", typeof(ICoreV1Operations), "CreateNamespacedEvent", "", "events", "create", Reach.AnyNamespace),

        // Keys: the cluster key store in the worker's namespace (Bitnami's labelled key Secrets).
        new("Keys", typeof(ICoreV1Operations), "ListNamespacedSecret", "", "secrets", "list", Reach.WorkerNamespace),
        new("Keys", typeof(ICoreV1Operations), "CreateNamespacedSecret", "", "secrets", "create", Reach.WorkerNamespace),

        // Worker leader election on a coordination.k8s.io/v1 Lease in the worker's namespace.
        new("Worker", typeof(ICoordinationV1Operations), "ReadNamespacedLease", "coordination.k8s.io", "leases", "get", Reach.WorkerNamespace),
        new("Worker", typeof(ICoordinationV1Operations), "CreateNamespacedLease", "coordination.k8s.io", "leases", "create", Reach.WorkerNamespace),
        new("Worker", typeof(ICoordinationV1Operations), "ReplaceNamespacedLease", "coordination.k8s.io", "leases", "update", Reach.WorkerNamespace),
    ];

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
