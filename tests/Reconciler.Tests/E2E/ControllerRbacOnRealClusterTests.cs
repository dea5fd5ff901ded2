using GitOpsSecrets.Tests.Deploy;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// deploy/controller/'s CRD, ServiceAccount and RBAC applied unchanged (kube-system, Bitnami's place) to a
/// real API server, then the API server's own authorizer asked, impersonating the controller's
/// ServiceAccount (<c>kubectl auth can-i --as</c>), about every permission controller mode needs (all
/// allowed) and about dangerous ones it does not need (all denied).
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class ControllerRbacOnRealClusterTests
{
    private const string ServiceAccount = "system:serviceaccount:kube-system:gitops-secrets-controller";

    /// <summary>A namespace where SealedSecrets live; authorization does not need it to exist.</summary>
    private const string AppNamespace = "controller-rbac-apps";

    [RealClusterFact]
    public async Task ControllerServiceAccount_WithDeployControllerRbac_NeededVerbsAllowed_DangerousDenied()
    {
        await using var world = RealClusterWorker.Start();
        await ApplyAsync(world);

        foreach (var call in ControllerRbacTests.Calls)
        {
            var @namespace = call.OwnNamespaceOnly ? ControllerRbacTests.ControllerNamespace : AppNamespace;
            var answer = await CanIAsync(world, call.Verb, call.Group, call.Resource, @namespace);
            answer.ShouldBe("yes", $"{call}: allowed in {@namespace} by deploy/controller/rbac.yaml");
            if (!call.OwnNamespaceOnly)
            {
                (await CanIAsync(world, call.Verb, call.Group, call.Resource, null)).ShouldBe("yes", $"{call}: allowed cluster-wide (the ClusterRole: SealedSecrets in any namespace)");
            }
        }

        (string Verb, string Group, string Resource, string? Namespace)[] forbidden =
        [
            // Secrets: only what applying one needs; no list or watch outside the controller's namespace.
            ("list", "", "secrets", AppNamespace),
            ("watch", "", "secrets", AppNamespace),
            ("update", "", "secrets", AppNamespace),
            ("deletecollection", "", "secrets", AppNamespace),

            // SealedSecrets are the user's: the controller writes only their status.
            ("create", "bitnami.com", "sealedsecrets", AppNamespace),
            ("update", "bitnami.com", "sealedsecrets", AppNamespace),
            ("patch", "bitnami.com", "sealedsecrets", AppNamespace),
            ("delete", "bitnami.com", "sealedsecrets", AppNamespace),

            // No way to grant itself more.
            ("create", "rbac.authorization.k8s.io", "clusterroles", null),
            ("escalate", "rbac.authorization.k8s.io", "clusterroles", null),
            ("bind", "rbac.authorization.k8s.io", "clusterroles", null),
            ("create", "rbac.authorization.k8s.io", "clusterrolebindings", null),
            ("create", "rbac.authorization.k8s.io", "roles", AppNamespace),
            ("escalate", "rbac.authorization.k8s.io", "roles", AppNamespace),
            ("bind", "rbac.authorization.k8s.io", "roles", AppNamespace),
            ("impersonate", "", "users", null),
            ("impersonate", "", "serviceaccounts", ControllerRbacTests.ControllerNamespace),
            ("create", "", "serviceaccounts/token", ControllerRbacTests.ControllerNamespace),
            ("create", "", "pods", ControllerRbacTests.ControllerNamespace),

            // The Lease only where it lives, and never deleted; nothing else of the cluster.
            ("update", "coordination.k8s.io", "leases", AppNamespace),
            ("delete", "coordination.k8s.io", "leases", ControllerRbacTests.ControllerNamespace),
            ("get", "", "configmaps", AppNamespace),
            ("delete", "", "namespaces", null),
            ("create", "apiextensions.k8s.io", "customresourcedefinitions", null),
        ];
        foreach (var (verb, group, resource, @namespace) in forbidden)
        {
            (await CanIAsync(world, verb, group, resource, @namespace)).ShouldBe("no", $"{ServiceAccount} must not {verb} {group}/{resource} in {@namespace ?? "the cluster"}");
        }
    }

    /// <summary>The files as <c>kubectl apply -k deploy/controller/</c> would apply them (the Deployment and Service left out: no kubelet).</summary>
    private static async Task ApplyAsync(RealClusterWorker world)
    {
        string ManifestPath(string name) => RepositoryFiles.Path($"deploy/controller/{name}");
        var crd = await Kubectl.RunAsync(world.Kubeconfig, "apply", "-f", ManifestPath("sealedsecrets-crd.yaml"));
        crd.ExitCode.ShouldBe(0, crd.ToString());
        await Poll.UntilAsync(
            async () => (await Kubectl.RunAsync(world.Kubeconfig, "get", "crd", "sealedsecrets.bitnami.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}")).Stdout.Trim() == "True",
            RealClusterWorker.Patience,
            () => "the CRD is established");

        // The CRD stays (other controller tests apply it too); the ServiceAccount and RBAC, cluster-wide names included, go.
        world.OnCleanup(async () => (await Kubectl.RunAsync(world.Kubeconfig, "delete", "--ignore-not-found", "-f", ManifestPath("rbac.yaml"), "-f", ManifestPath("serviceaccount.yaml"))).ExitCode.ShouldBe(0));
        var rbac = await Kubectl.RunAsync(world.Kubeconfig, "apply", "-f", ManifestPath("serviceaccount.yaml"), "-f", ManifestPath("rbac.yaml"));
        rbac.ExitCode.ShouldBe(0, rbac.ToString());
    }

    /// <summary><c>kubectl auth can-i</c> impersonating the controller: "yes" (exit 0) or "no" (exit 1); anything else fails.</summary>
    private static async Task<string> CanIAsync(RealClusterWorker world, string verb, string group, string resource, string? @namespace)
    {
        var parts = resource.Split('/');
        var arguments = new List<string> { "auth", "can-i", verb, group.Length == 0 ? parts[0] : $"{parts[0]}.{group}", "--as", ServiceAccount };
        if (parts.Length > 1)
        {
            arguments.Add($"--subresource={parts[1]}");
        }

        arguments.AddRange(@namespace is null ? ["--all-namespaces"] : ["--namespace", @namespace]);
        var result = await Kubectl.RunAsync(world.Kubeconfig, [.. arguments]);
        var answer = result.Stdout.Trim();
        ((answer == "yes" && result.ExitCode == 0) || (answer == "no" && result.ExitCode == 1)).ShouldBeTrue($"kubectl {string.Join(' ', arguments)}: {result}");
        return answer;
    }
}
