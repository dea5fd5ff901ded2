using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>A configured target: where Secrets go, which repository paths feed it, and whether it prunes.</summary>
public sealed record SyncTarget(ISecretTarget Target, IReadOnlyList<string> Paths, bool Prune)
{
    public string Name => Target.Name;

    /// <summary>Which namespaces each repository path may write to in this target (all, when it has no rules).</summary>
    public TenancyGuard Tenancy { get; init; } = TenancyGuard.None;
}

/// <summary>How far a long sync has come, for a progress line.</summary>
public readonly record struct SyncProgress(string Phase, int Done, int Total, string? Revision = null);
