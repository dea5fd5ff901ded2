namespace GitOpsSecrets.Git;

/// <summary>What to do when the push is rejected because the branch moved on the remote.</summary>
public enum GitWriteStrategy
{
    /// <summary>Re-apply our commit's changes onto the new head (a conflict fails, nothing is pushed).</summary>
    Rebase,

    /// <summary>Reset to the new head and run <see cref="GitWriteRequest.Change"/> again (e.g. reseal again).</summary>
    Redo,
}

/// <summary>One commit to make in a work tree and push to a branch.</summary>
public sealed record GitWriteRequest
{
    /// <summary>A normal clone with a remote (not the sync engine's cache).</summary>
    public required string WorkTree { get; init; }

    /// <summary>The branch to commit on and push to (created locally at HEAD when HEAD is detached).</summary>
    public required string Branch { get; init; }

    public required string AuthorName { get; init; }

    public required string AuthorEmail { get; init; }

    /// <summary>The commit message (what changed and why; never values).</summary>
    public required string Message { get; init; }

    /// <summary>
    /// When set, makes the message after <see cref="Change"/> ran (each time it runs), so the message can
    /// say what the change did; <see cref="Message"/> is then only the fallback.
    /// </summary>
    public Func<string>? MessageFactory { get; init; }

    /// <summary>The files (relative to the work tree, or absolute inside it) already changed and to be committed.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>
    /// Makes the change in the work tree and returns the paths it touched. Run once, and again on each
    /// retry under <see cref="GitWriteStrategy.Redo"/>. When set, the tree must be completely clean before.
    /// </summary>
    public Func<string, CancellationToken, Task<IReadOnlyList<string>>>? Change { get; init; }

    public GitWriteStrategy Strategy { get; init; } = GitWriteStrategy.Rebase;

    /// <summary>How many times a rejected push is retried after fetching the new head.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The wait before the first retry; doubled for each further retry.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(2);

    public string Remote { get; init; } = "origin";

    /// <summary>False: commit only.</summary>
    public bool Push { get; init; } = true;

    public GitAuth Auth { get; init; } = GitAuth.None;
}

/// <summary>What a write did: the commit made (null when nothing changed), push attempts, and whether it was pushed.</summary>
public sealed record GitWriteResult(string? Commit, int Attempts, bool Pushed)
{
    public bool Changed => Commit is not null;
}

/// <summary>Commits changed files and pushes them with retry (the reseal pipeline's write-back).</summary>
public interface IGitWriter
{
    Task<GitWriteResult> CommitAndPushAsync(GitWriteRequest request, CancellationToken cancellationToken);
}
