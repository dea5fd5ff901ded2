namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>A kind of resource the server serves, addressed by group, version and plural name.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>A custom resource with a status subresource: writes to the object leave status alone, status writes change only status, spec changes bump metadata.generation.</summary>
    public bool HasStatusSubresource { get; init; }
}

public static class ResourceTypes
{
    public static readonly ResourceType Namespaces = new(string.Empty, "v1", "namespaces", "Namespace", false);
    public static readonly ResourceType Secrets = new(string.Empty, "v1", "secrets", "Secret", true);
    public static readonly ResourceType CoreEvents = new(string.Empty, "v1", "events", "Event", true);
    public static readonly ResourceType Services = new(string.Empty, "v1", "services", "Service", true);
    public static readonly ResourceType Events = new("events.k8s.io", "v1", "events", "Event", true);
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true);
    public static readonly ResourceType ServiceAccounts = new(string.Empty, "v1", "serviceaccounts", "ServiceAccount", true);
    public static readonly ResourceType Roles = new("rbac.authorization.k8s.io", "v1", "roles", "Role", true);
    public static readonly ResourceType RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true);

    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "Deployment", true);
    public static readonly ResourceType StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true);
    public static readonly ResourceType DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true);

    public static readonly ResourceType SealedSecrets = new("bitnami.com", "v1alpha1", "sealedsecrets", "SealedSecret", true) { HasStatusSubresource = true };

    public static IReadOnlyList<ResourceType> All { get; } = [Namespaces, Secrets, CoreEvents, Services, Events, Leases, ServiceAccounts, Roles, RoleBindings, Deployments, StatefulSets, DaemonSets, SealedSecrets];

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);
}
