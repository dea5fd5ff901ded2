using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// The manifest files of a local repository as they are at one revision, copied out of git's object
/// database into a directory, so a read-only check (<c>keys drill --ref</c>) sees exactly that
/// revision without touching the work tree. Only .yaml/.yml/.json blobs are copied; they hold sealed
/// (encrypted) documents, never plaintext.
/// </summary>
public static class GitRevisionFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Copies the files under <paramref name="paths"/> (repository-relative; empty: all) at <paramref name="revision"/>; returns the commit id.</summary>
    public static string Export(string repositoryPath, string revision, IReadOnlyList<string> paths, string destination)
    {
        var found = Repository.Discover(Path.GetFullPath(repositoryPath))
            ?? throw new GitException($"{repositoryPath} is not inside a git repository: --ref needs one");
        using var repository = new Repository(found);
        GitObject? target;
        try
        {
            target = repository.Lookup(revision);
        }
        catch (LibGit2SharpException e)
        {
            throw new GitException($"revision {revision}: {e.Message}");
        }

        var commit = (target is null ? null : GitObjects.PeelToCommit(target))
            ?? throw new GitException($"revision {revision} is not a commit in {repository.Info.WorkingDirectory ?? found}");
        var prefixes = paths.Select(p => p.Replace('\\', '/').Trim('/')).Where(p => p.Length > 0 && p != ".").ToList();
        Copy(commit.Tree, string.Empty, prefixes, destination);
        return commit.Sha;
    }

    private static void Copy(Tree tree, string prefix, IReadOnlyList<string> wanted, string destination)
    {
        foreach (var entry in tree)
        {
            var path = prefix.Length == 0 ? entry.Name : $"{prefix}/{entry.Name}";
            if (entry.TargetType == TreeEntryTargetType.Tree)
            {
                if (wanted.Count == 0 || wanted.Any(w => w.StartsWith(path + "/", StringComparison.Ordinal) || path == w || path.StartsWith(w + "/", StringComparison.Ordinal)))
                {
                    Copy((Tree)entry.Target, path, wanted, destination);
                }
            }
            else if (entry.TargetType == TreeEntryTargetType.Blob && entry.Mode != Mode.SymbolicLink
                && Extensions.Contains(Path.GetExtension(entry.Name), StringComparer.OrdinalIgnoreCase)
                && (wanted.Count == 0 || wanted.Any(w => path == w || path.StartsWith(w + "/", StringComparison.Ordinal))))
            {
                var file = Path.Combine(destination, path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                using var content = ((Blob)entry.Target).GetContentStream();
                using var output = File.Create(file);
                content.CopyTo(output);
            }
        }
    }
}
