namespace GitOpsSecrets.Sharing;

/// <summary>
/// A <c>gitops-secrets.io/v1alpha1</c> Team: a name that <c>spec.access[].teams</c> can use for a set of
/// users and groups. Teams are repository-wide (like a cluster-scoped object), so the name is unique.
/// </summary>
public sealed class Team
{
    public const string ApiVersion = SharedSecret.ApiVersion;
    public const string Kind = "Team";

    public string Name { get; init; } = string.Empty;

    public IReadOnlyList<string> Users { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];
}
