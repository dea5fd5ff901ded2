using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// Commits a change on a branch and pushes it. A push rejected because the branch moved is retried
/// after fetching the new head, with backoff: either our commit's changes are re-applied onto it
/// (<see cref="GitWriteStrategy.Rebase"/>, in memory, so a conflict leaves nothing half-applied) or the
/// change is made again from scratch (<see cref="GitWriteStrategy.Redo"/>).
/// </summary>
public sealed class GitWriter(TimeProvider time) : IGitWriter
{
    private const string SshCommandKey = "core.sshCommand";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    public async Task<GitWriteResult> CommitAndPushAsync(GitWriteRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        var workTree = Path.GetFullPath(request.WorkTree);
        if (!Repository.IsValid(workTree))
        {
            throw new GitException($"{workTree} is not a git work tree");
        }

        using var repository = new Repository(workTree);
        workTree = Path.TrimEndingDirectorySeparator(repository.Info.WorkingDirectory ?? throw new GitException($"{workTree} is a bare repository; write-back needs a work tree"));
        RefuseConflicted(repository, workTree);
        RefuseDirty(repository, workTree, request.Change is null ? request.Paths!.Select(p => Relative(workTree, p)).ToList() : []);
        EnsureOnBranch(repository, workTree, request.Branch);

        var paths = request.Change is null ? request.Paths! : await request.Change(workTree, cancellationToken);
        IO.CrashPoints.Reached(IO.CrashPoints.WriteBackChanged);
        var commit = CommitPaths(repository, workTree, request, paths);
        IO.CrashPoints.Reached(IO.CrashPoints.WriteBackCommitted);
        if (commit is null && request.Push)
        {
            // Nothing new, but a run killed between its commit and its push left that commit unpushed here:
            // push it now, or the remote would never get it (the files are current, so no run would commit again).
            commit = Unpushed(repository, request);
        }

        if (commit is null || !request.Push)
        {
            return new GitWriteResult(commit?.Sha, 0, false);
        }

        var remote = repository.Network.Remotes[request.Remote]
            ?? throw new GitException($"work tree {workTree} has no remote named {request.Remote}");
        var scratch = Directory.CreateTempSubdirectory("gitops-secrets-git-");
        var previousSshCommand = repository.Config.Get<string>(SshCommandKey, ConfigurationLevel.Local)?.Value;
        try
        {
            var transport = GitTransport.Create(remote.Url, request.Auth, scratch.FullName);
            transport.ConfigureSsh(repository);
            return await PushWithRetryAsync(repository, workTree, transport, request, commit, cancellationToken);
        }
        finally
        {
            RestoreSshCommand(repository, previousSshCommand);
            scratch.Delete(recursive: true);
        }
    }

    private async Task<GitWriteResult> PushWithRetryAsync(Repository repository, string workTree, GitTransport transport, GitWriteRequest request, Commit commit, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (TryPush(repository, transport, request, cancellationToken))
            {
                IO.CrashPoints.Reached(IO.CrashPoints.WriteBackPushed);
                return new GitWriteResult(commit.Sha, attempt, true);
            }

            if (attempt > request.Retries)
            {
                throw new GitException($"push of {commit.Sha[..12]} to {request.Branch} on {transport.Description} was rejected {attempt} time(s): the branch kept moving; nothing was pushed");
            }

            await Task.Delay(BackoffFor(request.Backoff, attempt), time, cancellationToken);
            var head = GitObjects.FetchBranch(repository, transport, request.Remote, request.Branch, cancellationToken);
            var next = request.Strategy == GitWriteStrategy.Rebase
                ? Rebase(repository, transport, request, commit, head)
                : await RedoAsync(repository, workTree, request, head, cancellationToken);
            if (next is null)
            {
                // The new head already holds everything we meant to change.
                return new GitWriteResult(null, attempt, false);
            }

            commit = next;
        }
    }

    private static bool TryPush(Repository repository, GitTransport transport, GitWriteRequest request, CancellationToken cancellationToken)
    {
        string? rejection = null;
        var options = transport.PushOptions((_, message) => rejection = message);
        var refSpec = $"refs/heads/{request.Branch}:refs/heads/{request.Branch}";
        try
        {
            transport.Run(
                "push to",
                () =>
                {
                    repository.Network.Push(repository.Network.Remotes[request.Remote], refSpec, options);
                    return true;
                },
                cancellationToken);
        }
        catch (NonFastForwardException)
        {
            return false;
        }

        if (rejection is null)
        {
            return true;
        }

        if (IsBranchMoved(rejection))
        {
            return false;
        }

        throw new GitException($"push to {transport.Description} rejected for {request.Branch}: {transport.Clean(rejection)}");
    }

    private static bool IsBranchMoved(string message) =>
        new[] { "fast-forward", "fast forward", "fetch first", "stale info", "failed to lock", "cannot lock", "failed to update ref" }
            .Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Cherry-picks our commit onto the new head in memory. On a conflict nothing is written: the branch is
    /// reset to the remote head (our commit stays reachable by its id) and the error names the files.
    /// </summary>
    private Commit? Rebase(Repository repository, GitTransport transport, GitWriteRequest request, Commit ours, Commit head)
    {
        var merge = repository.ObjectDatabase.CherryPickCommit(ours, head, 0, new MergeTreeOptions { FailOnConflict = false });
        if (merge.Status == MergeTreeStatus.Conflicts)
        {
            var files = merge.Conflicts
                .Select(c => (c.Ours ?? c.Theirs ?? c.Ancestor).Path.Replace('\\', '/'))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
            repository.Reset(ResetMode.Hard, head);
            throw new GitException(
                $"cannot rebase commit {ours.Sha[..12]} onto {request.Branch} of {transport.Description} ({head.Sha[..12]}): conflict in {string.Join(", ", files)}; " +
                "nothing was pushed and the work tree was reset to the remote head");
        }

        if (merge.Tree.Id == head.Tree.Id)
        {
            repository.Reset(ResetMode.Hard, head);
            return null;
        }

        var committer = new Signature(request.AuthorName, request.AuthorEmail, time.GetUtcNow());
        var rebased = repository.ObjectDatabase.CreateCommit(ours.Author, committer, ours.Message, merge.Tree, [head], prettifyMessage: false);
        repository.Reset(ResetMode.Hard, rebased);
        return rebased;
    }

    private async Task<Commit?> RedoAsync(Repository repository, string workTree, GitWriteRequest request, Commit head, CancellationToken cancellationToken)
    {
        repository.Reset(ResetMode.Hard, head);
        var paths = await request.Change!(workTree, cancellationToken);
        return CommitPaths(repository, workTree, request, paths);
    }

    /// <summary>
    /// The branch's tip when it is ahead of what this repository last knew of the remote branch (its
    /// remote-tracking ref, which a successful push moves); null when there is nothing to push.
    /// </summary>
    private static Commit? Unpushed(Repository repository, GitWriteRequest request)
    {
        var tip = repository.Head.Tip;
        var tracking = repository.Refs[$"refs/remotes/{request.Remote}/{request.Branch}"]?.ResolveToDirectReference()?.Target as Commit;
        if (tip is null || tracking is null || tip.Id == tracking.Id)
        {
            return null;
        }

        // Only when ours descends from it: a branch that diverged is the push retry's business, not ours to force.
        return repository.ObjectDatabase.FindMergeBase(tip, tracking)?.Id == tracking.Id ? tip : null;
    }

    /// <summary>Stages the paths and commits them; null when they hold no change.</summary>
    private Commit? CommitPaths(Repository repository, string workTree, GitWriteRequest request, IReadOnlyList<string> paths)
    {
        var relative = paths.Select(p => Relative(workTree, p)).Distinct(StringComparer.Ordinal).ToList();
        if (relative.Count == 0)
        {
            return null;
        }

        Commands.Stage(repository, relative);
        using (var staged = repository.Diff.Compare<TreeChanges>(repository.Head.Tip?.Tree, DiffTargets.Index))
        {
            if (staged.Count == 0)
            {
                return null;
            }
        }

        var signature = new Signature(request.AuthorName, request.AuthorEmail, time.GetUtcNow());
        return repository.Commit(request.MessageFactory?.Invoke() ?? request.Message, signature, signature, new CommitOptions());
    }

    private static void RefuseConflicted(Repository repository, string workTree)
    {
        if (repository.Info.CurrentOperation != CurrentOperation.None)
        {
            throw new GitException($"work tree {workTree} has a {repository.Info.CurrentOperation} in progress; finish or abort it first");
        }

        if (!repository.Index.IsFullyMerged)
        {
            var files = repository.Index.Conflicts.Select(c => (c.Ours ?? c.Theirs ?? c.Ancestor).Path).Distinct(StringComparer.Ordinal);
            throw new GitException($"work tree {workTree} has unresolved conflicts in {string.Join(", ", files)}");
        }
    }

    /// <summary>Anything changed apart from the files we are about to commit would be swept into our commit, or lost on a reset.</summary>
    private static void RefuseDirty(Repository repository, string workTree, IReadOnlyList<string> allowed)
    {
        var status = repository.RetrieveStatus(new StatusOptions { IncludeUntracked = true, RecurseUntrackedDirs = true, IncludeIgnored = false });
        var outside = status
            .Where(e => e.State != FileStatus.Unaltered && !e.State.HasFlag(FileStatus.Ignored))
            .Select(e => e.FilePath.Replace('\\', '/'))
            .Where(p => !allowed.Any(a => p == a || p.StartsWith(a.TrimEnd('/') + "/", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (outside.Count > 0)
        {
            var shown = string.Join(", ", outside.Take(5)) + (outside.Count > 5 ? $" and {outside.Count - 5} more" : string.Empty);
            throw new GitException($"work tree {workTree} is dirty: {shown} changed outside what is to be committed; commit or stash them first");
        }
    }

    private static void EnsureOnBranch(Repository repository, string workTree, string branch)
    {
        if (!repository.Info.IsHeadDetached && repository.Head.FriendlyName == branch)
        {
            return;
        }

        var tip = repository.Head.Tip ?? throw new GitException($"work tree {workTree} has no commit to build on");
        var local = repository.Branches[branch];
        if (local is null)
        {
            local = repository.CreateBranch(branch, tip);
        }
        else if (local.Tip.Id != tip.Id)
        {
            throw new GitException($"work tree {workTree} is not on branch {branch}, and the local {branch} points elsewhere; check {branch} out first");
        }

        // Same commit as HEAD: switching touches no file.
        Commands.Checkout(repository, local);
    }

    private static void RestoreSshCommand(Repository repository, string? previous)
    {
        if (previous is null)
        {
            repository.Config.Unset(SshCommandKey, ConfigurationLevel.Local);
        }
        else
        {
            repository.Config.Set(SshCommandKey, previous, ConfigurationLevel.Local);
        }
    }

    private static string Relative(string workTree, string path)
    {
        var full = Path.GetFullPath(path, workTree);
        var relative = Path.GetRelativePath(workTree, full).Replace('\\', '/');
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new GitException($"path {path} is outside the work tree {workTree}");
        }

        return relative;
    }

    private static TimeSpan BackoffFor(TimeSpan first, int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 16));
        var wait = TimeSpan.FromTicks((long)Math.Min(first.Ticks * factor, MaxBackoff.Ticks));
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static void Validate(GitWriteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Change is null && request.Paths is null)
        {
            throw new ArgumentException("either Paths or Change is required", nameof(request));
        }

        if (request.Strategy == GitWriteStrategy.Redo && request.Change is null)
        {
            throw new ArgumentException("the Redo strategy needs Change, to make the change again on the new head", nameof(request));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(request.Retries);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Branch);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.AuthorName);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.AuthorEmail);
    }
}
