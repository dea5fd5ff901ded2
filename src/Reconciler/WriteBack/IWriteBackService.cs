using GitOpsSecrets.Git;

namespace GitOpsSecrets.WriteBack;

/// <summary>
/// Changes files in a clone of the source and commits (and pushes) them with retry: the one way reseal,
/// <c>keys compromised --reseal</c>, the shared-secret edits and the worker's certificate publisher write
/// to git.
/// </summary>
public interface IWriteBackService
{
    /// <summary>
    /// Finds or clones the work tree, runs the change there and commits what it touched; with
    /// <see cref="WriteBackRequest.Push"/>, pushes, redoing or rebasing the change when the branch moved.
    /// </summary>
    /// <returns>The commit (null when the change touched nothing), push attempts, and whether it was pushed.</returns>
    /// <exception cref="BranchRequiredException">The location's work tree has a detached HEAD and no branch was named.</exception>
    /// <exception cref="GitException">Not a work tree, clone/fetch/push failed, a rebase conflicted, the branch kept moving.</exception>
    Task<GitWriteResult> WriteAsync(WriteBackRequest request, CancellationToken cancellationToken);
}
