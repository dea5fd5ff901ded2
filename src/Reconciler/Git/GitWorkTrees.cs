using GitOpsSecrets.IO;
using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// Work trees for write-back: finding the one a path belongs to (commands that commit what they changed
/// there), and keeping a private clone of a remote branch for the worker to commit to.
/// </summary>
public static class GitWorkTrees
{
    private const string RemoteName = OwnRepository.RemoteName;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A clean work tree on <paramref name="branch"/> at the remote's head: cloned into
    /// <c>DIRECTORY/repo</c> the first time, fetched and hard-reset (untracked files removed) on later
    /// calls, so a commit left behind by a failed push never reaches the remote later by accident.
    /// Never point this at the sync engine's cache: it rewrites the tree freely.
    /// </summary>
    /// <returns>The work tree's root, ready for <see cref="IGitWriter"/> with remote <c>origin</c>.</returns>
    public static async Task<string> CloneOrUpdateAsync(string url, string branch, string directory, GitAuth? auth, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentException.ThrowIfNullOrWhiteSpace(branch);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        using var directoryLock = await ProcessLock.AcquireAsync(new LockFile(Path.Combine(root, "lock"), $"write-back clone {root}"), LockTimeout, cancellationToken);
        return await Task.Run(() => Update(url, branch, root, auth ?? GitAuth.None, cancellationToken), cancellationToken);
    }

    private static string Update(string url, string branch, string root, GitAuth auth, CancellationToken cancellationToken)
    {
        var transport = GitTransport.Create(url, auth, root);
        using var repository = OwnRepository.OpenOrCreate(Path.Combine(root, "repo"), transport);
        var head = GitObjects.FetchBranch(repository, transport, RemoteName, branch, cancellationToken);

        cancellationToken.ThrowIfCancellationRequested();
        // Reset moves the checked-out branch to the remote head, dropping any local commit a failed push left.
        var local = repository.Branches[branch] ?? repository.CreateBranch(branch, head);
        Commands.Checkout(repository, local, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        repository.Reset(ResetMode.Hard, head);
        repository.RemoveUntrackedFiles();
        return Path.TrimEndingDirectorySeparator(repository.Info.WorkingDirectory);
    }

    /// <summary>The root of the work tree holding <paramref name="path"/>, and its current branch (null when HEAD is detached).</summary>
    public static (string Root, string? Branch) Discover(string path)
    {
        var full = Path.GetFullPath(path);
        var start = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        var found = Repository.Discover(start)
            ?? throw new GitException($"{path} is not inside a git work tree: --commit needs one");
        using var repository = new Repository(found);
        var root = repository.Info.WorkingDirectory
            ?? throw new GitException($"{found} is a bare repository: --commit needs a work tree");
        return (Path.TrimEndingDirectorySeparator(root), repository.Info.IsHeadDetached ? null : repository.Head.FriendlyName);
    }
}
