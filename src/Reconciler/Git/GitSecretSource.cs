using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Git;

/// <summary>The sync engine's view of a git repository: fetch and check out the ref, list what changed.</summary>
public sealed class GitSecretSource(GitRepositoryCache cache) : ISecretSource
{
    public string Description => cache.Description;

    public GitRepositoryCache Cache => cache;

    public async Task<SourceSnapshot> FetchAsync(CancellationToken cancellationToken)
    {
        var checkout = await cache.FetchAsync(cancellationToken);
        return new SourceSnapshot(checkout.Revision, checkout.Commit, checkout.WorkTree);
    }

    public IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit) => cache.ChangedPaths(fromCommit, toCommit);
}
