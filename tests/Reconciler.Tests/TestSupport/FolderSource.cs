using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>A source that is just a folder; the test says which "commit" it is and what changed.</summary>
public sealed class FolderSource(string root) : ISecretSource
{
    public string Commit { get; set; } = "c1";

    /// <summary>What <see cref="ChangedPaths"/> answers; null means "unknown, read everything".</summary>
    public IReadOnlyList<string>? Changed { get; set; }

    public bool Unreachable { get; set; }

    public string Description => root;

    public Task<SourceSnapshot> FetchAsync(CancellationToken cancellationToken) =>
        Unreachable
            ? throw new InvalidOperationException("remote unreachable")
            : Task.FromResult(new SourceSnapshot($"main@sha1:{Commit}", Commit, root));

    public IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit) => Changed;
}
