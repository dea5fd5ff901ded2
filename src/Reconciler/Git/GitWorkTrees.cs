using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>Finds the work tree a path belongs to, for commands that commit what they changed there.</summary>
public static class GitWorkTrees
{
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
