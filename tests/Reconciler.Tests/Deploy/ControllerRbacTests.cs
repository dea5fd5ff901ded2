using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Deploy;

/// <summary>
/// deploy/controller/rbac.yaml (gitops-secrets in Bitnami's place, <c>run --source cluster</c>) grants
/// exactly the calls controller mode makes: every call below is allowed, nothing else is.
/// </summary>
public sealed partial class ControllerRbacTests
{
    /// <summary>The controller's own namespace, where the key Secrets and the Lease live (Bitnami's place).</summary>
    public const string ControllerNamespace = "kube-system";

    /// <summary>One permission controller mode needs, why, and where: its own namespace (Role) or any (ClusterRole).</summary>
    public sealed record ControllerCall(string Why, string Group, string Resource, string Verb, bool OwnNamespaceOnly)
    {
        public string Permission => $"{(Group.Length == 0 ? "core" : Group)}/{Resource}:{Verb}";

        public override string ToString() => $"{Why} → {Permission}{(OwnNamespaceOnly ? $" in {ControllerNamespace}" : string.Empty)}";
    }

    public static readonly IReadOnlyList<ControllerCall> Calls =
    [
        // The cluster source: LIST then WATCH of SealedSecrets (cluster-wide or per namespace), GET of one,
        // and the Synced condition written to the status subresource (merge PATCH; update for a full write).
        new("list SealedSecrets", "bitnami.com", "sealedsecrets", "list", false),
        new("watch SealedSecrets", "bitnami.com", "sealedsecrets", "watch", false),
        new("read one SealedSecret", "bitnami.com", "sealedsecrets", "get", false),
        new("status PATCH", "bitnami.com", "sealedsecrets/status", "patch", false),
        new("status update", "bitnami.com", "sealedsecrets/status", "update", false),

        // The Secrets it owns: GET before an apply, server-side apply (PATCH, authorized also as create when
        // the Secret is new), delete to recreate an immutable Secret that opted in.
        new("read the Secret", "", "secrets", "get", false),
        new("server-side apply", "", "secrets", "patch", false),
        new("server-side apply of a new Secret", "", "secrets", "create", false),
        new("recreate an immutable Secret", "", "secrets", "delete", false),

        // Events (Unsealed, ErrUnsealFailed) on the SealedSecrets, in their namespaces.
        new("Events", "", "events", "create", false),

        // The key Secrets Bitnami's controller made (and new ones), and the leader-election Lease.
        new("read key Secrets", "", "secrets", "list", true),
        new("read the legacy key Secret", "", "secrets", "get", true),
        new("add a key", "", "secrets", "create", true),
        new("read the Lease", "coordination.k8s.io", "leases", "get", true),
        new("take the Lease", "coordination.k8s.io", "leases", "create", true),
        new("renew the Lease", "coordination.k8s.io", "leases", "update", true),
    ];

    private static IReadOnlyList<JsonObject> Rbac { get; } = RepositoryFiles.Documents("deploy/controller/rbac.yaml");

    private static JsonObject Single(string kind) =>
        Rbac.Where(o => o.Str("kind") == kind).ShouldHaveSingleItem($"deploy/controller/rbac.yaml must hold exactly one {kind}");

    [Fact]
    public void Role_GrantsExactlyTheOwnNamespaceCalls()
    {
        var role = Single("Role");

        role.Str("metadata.namespace").ShouldBe(ControllerNamespace, "the keys and the Lease are in Bitnami's namespace");
        Grants(role).ShouldBe(Needed(ownNamespaceOnly: true), ignoreOrder: true, "the Role grants the key Secret and Lease calls and nothing more");
    }

    [Fact]
    public void ClusterRole_GrantsExactlyTheCallsInAnyNamespace()
    {
        Grants(Single("ClusterRole")).ShouldBe(Needed(ownNamespaceOnly: false), ignoreOrder: true, "the ClusterRole grants the SealedSecret, Secret and Event calls and nothing more");
    }

    [Fact]
    public void Rules_HaveNoWildcards_NoResourceNames_NoNonResourceUrls_NoEscalation()
    {
        foreach (var role in new[] { Single("Role"), Single("ClusterRole") })
        {
            role.At("aggregationRule").ShouldBeNull();
            foreach (var rule in role.Arr("rules").OfType<JsonObject>())
            {
                rule.Strings("apiGroups").Concat(rule.Strings("resources")).Concat(rule.Strings("verbs")).ShouldNotContain("*", $"{role.Str("kind")}: no wildcard");
                rule.At("nonResourceURLs").ShouldBeNull();
                rule.At("resourceNames").ShouldBeNull();
                rule.Strings("verbs").ShouldNotContain("escalate", $"{role.Str("kind")}: no escalate");
                rule.Strings("verbs").ShouldNotContain("bind", $"{role.Str("kind")}: no bind");
                rule.Strings("verbs").ShouldNotContain("impersonate", $"{role.Str("kind")}: no impersonate");
            }
        }
    }

    [Theory]
    [InlineData("RoleBinding", "Role")]
    [InlineData("ClusterRoleBinding", "ClusterRole")]
    public void Binding_GivesTheRoleToTheControllersServiceAccount(string bindingKind, string roleKind)
    {
        var binding = Single(bindingKind);
        var serviceAccount = RepositoryFiles.Document("deploy/controller/serviceaccount.yaml");
        var deployment = RepositoryFiles.Document("deploy/controller/deployment.yaml");

        binding.Str("roleRef.kind").ShouldBe(roleKind);
        binding.Str("roleRef.apiGroup").ShouldBe("rbac.authorization.k8s.io");
        binding.Str("roleRef.name").ShouldBe(Single(roleKind).Str("metadata.name"));
        var subject = binding.Arr("subjects").ShouldHaveSingleItem().ShouldBeOfType<JsonObject>();
        subject.Str("kind").ShouldBe("ServiceAccount");
        subject.Str("name").ShouldBe(serviceAccount.Str("metadata.name"));
        subject.Str("namespace").ShouldBe(serviceAccount.Str("metadata.namespace"));
        deployment.Str("spec.template.spec.serviceAccountName").ShouldBe(serviceAccount.Str("metadata.name"), "the Deployment runs as the bound ServiceAccount");
    }

    [Fact]
    public void CustomObjectCalls_InTheSource_AreTheSealedSecretCallsListedHere()
    {
        // The SealedSecret API is the only custom-object user; a new call there must come with its permission here.
        var source = Directory.EnumerateFiles(RepositoryFiles.Path("src/Reconciler"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => CustomObjectCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var expected = new Dictionary<string, string>
        {
            ["ListClusterCustomObject"] = "bitnami.com/sealedsecrets:list",
            ["ListNamespacedCustomObject"] = "bitnami.com/sealedsecrets:list",
            ["WatchListClusterCustomObject"] = "bitnami.com/sealedsecrets:watch",
            ["WatchListNamespacedCustomObject"] = "bitnami.com/sealedsecrets:watch",
            ["PatchNamespacedCustomObjectStatus"] = "bitnami.com/sealedsecrets/status:patch",
        };

        source.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal), "every CustomObjects call in src/Reconciler has its permission listed");
        expected.Values.ShouldAllBe(p => Calls.Any(c => !c.OwnNamespaceOnly && c.Permission == p), "each custom-object call's permission is in Calls");
    }

    [GeneratedRegex(@"\.CustomObjects\.([A-Za-z]+?)(?:WithHttpMessages)?Async(?:<[^>(]*>)?\(")]
    private static partial Regex CustomObjectCall();

    private static List<string> Needed(bool ownNamespaceOnly) =>
        Calls.Where(c => c.OwnNamespaceOnly == ownNamespaceOnly).Select(c => c.Permission).Distinct().ToList();

    private static List<string> Grants(JsonObject role) =>
        role.Arr("rules").OfType<JsonObject>()
            .SelectMany(rule =>
                from g in rule.Strings("apiGroups")
                from r in rule.Strings("resources")
                from v in rule.Strings("verbs")
                select $"{(g.Length == 0 ? "core" : g)}/{r}:{v}")
            .ToList();
}
