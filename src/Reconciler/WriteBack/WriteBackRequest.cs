using GitOpsSecrets.Git;

namespace GitOpsSecrets.WriteBack;

/// <summary>Where a write-back commits: a work tree that is already there, or a private clone kept up to date.</summary>
public abstract record WriteBackLocation;

/// <summary>
/// The work tree holding <paramref name="Path"/> (a command commits what it changed in the user's
/// clone), on <paramref name="Branch"/> or, when null, on the branch checked out there.
/// </summary>
public sealed record WorkTreeOf(string Path, string? Branch) : WriteBackLocation;

/// <summary>
/// A private clone of <paramref name="Url"/> in <paramref name="Directory"/>, cloned the first time and
/// fetched and reset to the remote head of <paramref name="Branch"/> on every later write (the worker's).
/// </summary>
public sealed record CloneOf(string Url, string Branch, string Directory) : WriteBackLocation;

/// <summary>One change to make in a clone of the source, commit, and (optionally) push with retry.</summary>
public sealed record WriteBackRequest
{
    public required WriteBackLocation Location { get; init; }

    public required string AuthorName { get; init; }

    public required string AuthorEmail { get; init; }

    /// <summary>The commit message (what changed and why; never values); the fallback when <see cref="MessageFactory"/> is set.</summary>
    public required string Message { get; init; }

    /// <summary>Makes the message from the work tree's root after <see cref="Change"/> ran (each time it runs).</summary>
    public Func<string, string>? MessageFactory { get; init; }

    /// <summary>
    /// Makes the change in the work tree (its root is the argument) and returns the paths it touched;
    /// none means nothing to commit. Run once, and again on the new head when the branch moved before the
    /// push under <see cref="GitWriteStrategy.Redo"/>. The tree must be clean before it runs.
    /// </summary>
    public required Func<string, CancellationToken, Task<IReadOnlyList<string>>> Change { get; init; }

    public GitWriteStrategy Strategy { get; init; } = GitWriteStrategy.Redo;

    /// <summary>False: commit only.</summary>
    public bool Push { get; init; } = true;

    /// <summary>Credentials for the clone, the fetches and the push.</summary>
    public GitAuth Auth { get; init; } = GitAuth.None;

    /// <summary>The wait before the first retry of a rejected push (doubled per retry); null: the git writer's default.</summary>
    public TimeSpan? Backoff { get; init; }
}
