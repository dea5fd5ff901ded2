using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Sharing;

/// <summary>
/// A <c>gitops-secrets.io/v1alpha1</c> SharedSecret: one sealed Secret (sealed for its home namespace and
/// name, exactly as a SealedSecret), who may use it through RBAC, where it is distributed, and which
/// service accounts pull images with it.
/// </summary>
public sealed class SharedSecret
{
    public const string ApiVersion = "gitops-secrets.io/v1alpha1";
    public const string Kind = "SharedSecret";

    /// <summary>
    /// The sealed part: top-level metadata (name, home namespace, scope annotations), <c>spec.template</c>
    /// and <c>spec.encryptedData</c>. Decrypting it once with the home identity gives the Secret that is
    /// fanned out, so it is the Sealing room's own type and unseals with the Sealing room's Unsealer.
    /// </summary>
    public SealedSecret Sealed { get; init; } = new();

    /// <summary>The Secret's name in every namespace it lands in.</summary>
    public string Name => Sealed.Metadata.Name ?? string.Empty;

    /// <summary>The namespace it is sealed for; it always lands there too.</summary>
    public string HomeNamespace => Sealed.Metadata.Namespace ?? string.Empty;

    /// <summary><c>spec.access</c>: each rule becomes RBAC in every namespace the Secret lands in.</summary>
    public IReadOnlyList<AccessRule> Access { get; init; } = [];

    public Distribution Distribute { get; init; } = new();

    /// <summary><c>spec.imagePull</c>; only for <c>kubernetes.io/dockerconfigjson</c> Secrets.</summary>
    public ImagePull? ImagePull { get; init; }

    public string? Type => Sealed.Template.Type;
}

/// <summary>One <c>spec.access</c> entry: verbs on the one Secret, for users, teams, groups and service accounts.</summary>
public sealed class AccessRule
{
    /// <summary>The verbs a Role may grant on one Secret by name (<c>create</c> cannot be narrowed to a name).</summary>
    public static readonly IReadOnlyList<string> AllowedVerbs = ["get", "list", "watch", "update", "patch", "delete"];

    public IReadOnlyList<string> Verbs { get; init; } = [];

    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Team names, expanded to the team's users and groups when the RoleBinding is made.</summary>
    public IReadOnlyList<string> Teams { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];

    public IReadOnlyList<ServiceAccountRef> ServiceAccounts { get; init; } = [];

    public bool NamesNoSubject => Users.Count == 0 && Teams.Count == 0 && Groups.Count == 0 && ServiceAccounts.Count == 0;
}

/// <summary>A service account as <c>namespace/name</c>.</summary>
public sealed record ServiceAccountRef(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary><c>spec.distribute</c>: the namespaces (named and selected) and the targets the Secret goes to.</summary>
public sealed class Distribution
{
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Evaluated against the cluster's namespaces at every sync; null when not set.</summary>
    public LabelSelector? NamespaceSelector { get; init; }

    /// <summary>Target names; empty means every target whose paths cover the file.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
}

/// <summary><c>spec.imagePull</c>: the service accounts whose <c>imagePullSecrets</c> name the Secret.</summary>
public sealed class ImagePull
{
    public const string AllServiceAccounts = "*";

    /// <summary>Names in each namespace the Secret lands in, or <c>*</c> for every service account there.</summary>
    public IReadOnlyList<string> ServiceAccounts { get; init; } = [];

    public bool AppliesTo(string serviceAccount) =>
        ServiceAccounts.Any(s => s == AllServiceAccounts || s == serviceAccount);
}
