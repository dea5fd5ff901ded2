using GitOpsSecrets.IO;

namespace GitOpsSecrets.Sync;

/// <summary>One checked-out revision of the repository the Secrets come from.</summary>
/// <param name="Revision">For reports and stamps: <c>ref@sha1:…</c>.</param>
/// <param name="Commit">The commit id, to ask for the paths changed since another one.</param>
/// <param name="Root">The working tree on disk holding exactly that revision.</param>
/// <param name="Warning">Something the source had to repair on the way (a corrupt cache re-cloned), for the report.</param>
public sealed record SourceSnapshot(string Revision, string Commit, string Root, string? Warning = null);

/// <summary>Where SealedSecret manifests come from (the Git room implements it; tests may use a folder).</summary>
public interface ISecretSource
{
    /// <summary>For messages: the URL (credentials scrubbed).</summary>
    string Description { get; }

    /// <summary>
    /// The lock the engine holds from the fetch until the snapshot is read, when the snapshot lives in a
    /// directory other processes may also check out into (the git cache); null when there is none.
    /// </summary>
    LockFile? Lock => null;

    /// <summary>Fetches and checks out the configured ref. Throws when the source cannot be read.</summary>
    Task<SourceSnapshot> FetchAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Repository-relative paths (forward slashes) changed between two commits, or null when that
    /// cannot be known (history rewritten, first sight): then everything is read again.
    /// </summary>
    IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit);
}
