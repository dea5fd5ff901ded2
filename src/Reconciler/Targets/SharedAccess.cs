namespace GitOpsSecrets.Targets;

/// <summary>A namespace of a cluster and its labels, for <c>spec.distribute.namespaceSelector</c>.</summary>
public sealed record NamespaceInfo(string Name, IReadOnlyDictionary<string, string> Labels);

/// <summary>An RBAC subject: <c>User</c> or <c>Group</c> (no namespace), or <c>ServiceAccount</c> (with one).</summary>
public sealed record RbacSubject(string Kind, string Name, string? Namespace = null)
{
    public const string User = "User";
    public const string Group = "Group";
    public const string ServiceAccount = "ServiceAccount";

    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>
/// One Role (exactly <c>resourceNames: [SecretName]</c> with <see cref="Verbs"/>) and one RoleBinding of the
/// same name to <see cref="Subjects"/>, in one namespace: what a SharedSecret's access rules with one verb
/// set become there.
/// </summary>
public sealed record AccessGrant(string Namespace, string SecretName, IReadOnlyList<string> Verbs, IReadOnlyList<RbacSubject> Subjects, string Source, string Revision)
{
    /// <summary>The Role's and RoleBinding's name: ours by prefix, stable for a Secret and a verb set (so roleRef never has to change).</summary>
    public string Name => NameFor(SecretName, Verbs);

    public static string NameFor(string secretName, IEnumerable<string> verbs) =>
        $"gitops-secrets:{secretName}:{string.Join("-", verbs.Order(StringComparer.Ordinal))}";

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>A Role/RoleBinding pair of ours as the cluster holds it now (either half may be missing).</summary>
public sealed record ObservedGrant
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The repository path and document it came from (our source annotation).</summary>
    public string? Source { get; init; }

    /// <summary>The Role's single rule; null when the Role is missing or holds anything else than one rule on Secrets.</summary>
    public IReadOnlyList<string>? Verbs { get; init; }

    public IReadOnlyList<string>? ResourceNames { get; init; }

    /// <summary>The RoleBinding's subjects; null when the RoleBinding is missing or binds another role.</summary>
    public IReadOnlyList<RbacSubject>? Subjects { get; init; }

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>
/// A ServiceAccount as listed: every <c>imagePullSecrets</c> name in its order, the ones we added (and that are
/// still there), and the resourceVersion a change is conditioned on.
/// </summary>
public sealed record ObservedServiceAccount(string Namespace, string Name, IReadOnlyList<string> PullSecrets, IReadOnlyList<string> OurPullSecrets, string? ResourceVersion);

/// <summary>
/// What a target needs for SharedSecrets beyond Secrets: the cluster's namespaces (for selectors), RBAC
/// for access rules, and image pull attachments. Only Kubernetes targets have it; for the others the
/// sync reports access and image pull as not applicable.
/// </summary>
public interface ISharedAccessTarget
{
    Task<IReadOnlyList<NamespaceInfo>> ListNamespacesAsync(CancellationToken cancellationToken);

    /// <summary>Every Role and RoleBinding of ours made for SharedSecrets (found by our labels, in every namespace).</summary>
    Task<IReadOnlyList<ObservedGrant>> ObserveGrantsAsync(CancellationToken cancellationToken);

    /// <summary>Makes the Role and the RoleBinding exist exactly as given (server-side apply, our field manager, taking drifted fields back).</summary>
    Task ApplyGrantAsync(AccessGrant grant, CancellationToken cancellationToken);

    /// <summary>Deletes the Role and RoleBinding, each only while it still carries our label.</summary>
    Task DeleteGrantAsync(ObservedGrant grant, CancellationToken cancellationToken);

    /// <summary>The ServiceAccounts of these namespaces and the pull secrets our image pull field manager owns in each.</summary>
    Task<IReadOnlyList<ObservedServiceAccount>> ObserveServiceAccountsAsync(IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken);

    /// <summary>
    /// Makes our entries in the ServiceAccount's <c>imagePullSecrets</c> exactly <paramref name="ours"/>: adds the
    /// missing ones at the end, removes ours no longer wanted, keeps every other entry as it is, and fails
    /// (to be tried again next sync) when the ServiceAccount changed since it was observed.
    /// </summary>
    Task SetPullSecretsAsync(ObservedServiceAccount account, IReadOnlyList<string> ours, CancellationToken cancellationToken);
}

/// <summary>A target that can carry SharedSecrets' access rules and image pull attachments.</summary>
public interface IHasSharedAccess
{
    ISharedAccessTarget SharedAccess { get; }
}
