using GitOpsSecrets.IO;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Git;

/// <summary>The sync engine's view of a git repository: fetch and check out the ref, list what changed.</summary>
public sealed class GitSecretSource(GitRepositoryCache cache) : ISecretSource
{
    public string Description => cache.Description;

    public GitRepositoryCache Cache => cache;

    public LockFile Lock => cache.Lock;

    /// <summary>Expects the caller (the sync engine) to hold <see cref="Lock"/> until it has read the snapshot.</summary>
    public async Task<SourceSnapshot> FetchAsync(CancellationToken cancellationToken)
    {
        var checkout = await cache.FetchHoldingLockAsync(cancellationToken);
        return new SourceSnapshot(checkout.Revision, checkout.Commit, checkout.WorkTree, checkout.Warning);
    }

    public IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit) => cache.ChangedPaths(fromCommit, toCommit);
}
