using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// A bare repository on disk playing the remote, and an author clone that commits and pushes to it
/// (GitVersion's RemoteRepositoryFixture idea).
/// </summary>
public sealed class RemoteRepository : IDisposable
{
    private readonly TempDirectory _root = new();

    public RemoteRepository()
    {
        BarePath = Path.Combine(_root.Path, "remote.git");
        AuthorPath = Path.Combine(_root.Path, "author");
        Directory.CreateDirectory(BarePath);
        GitCli.Run(BarePath, "init", "--bare", "--quiet");
        GitCli.Run(_root.Path, "clone", "--quiet", BarePath, AuthorPath);
    }

    public string BarePath { get; }

    public string AuthorPath { get; }

    /// <summary>A scratch folder in the fixture's temporary directory (caches, clones, keys).</summary>
    public string Scratch(string name)
    {
        var path = Path.Combine(_root.Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes (or, with null, deletes) files in the author clone, commits and pushes; returns the commit id.</summary>
    public string Commit(string message, IReadOnlyDictionary<string, string?> files, string branch = "main")
    {
        Checkout(branch);
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(AuthorPath, path);
            if (content is null)
            {
                GitCli.Run(AuthorPath, "rm", "--quiet", path);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, content);
                GitCli.Run(AuthorPath, "add", path);
            }
        }

        GitCli.Run(AuthorPath, "commit", "--quiet", "--allow-empty", "-m", message);
        GitCli.Run(AuthorPath, "push", "--quiet", "origin", branch);
        return Head();
    }

    public string Commit(string message, string path, string? content, string branch = "main") =>
        Commit(message, new Dictionary<string, string?> { [path] = content }, branch);

    public string Head() => GitCli.Run(AuthorPath, "rev-parse", "HEAD");

    /// <summary>The commit a ref points to in the bare remote.</summary>
    public string RemoteRef(string name) => GitCli.Run(BarePath, "rev-parse", name);

    public void Checkout(string branch)
    {
        var current = GitCli.Run(AuthorPath, "symbolic-ref", "--short", "HEAD");
        if (current == branch)
        {
            return;
        }

        var exists = GitCli.Run(AuthorPath, "branch", "--list", branch).Length > 0;
        GitCli.Run(AuthorPath, exists ? ["checkout", "--quiet", branch] : ["checkout", "--quiet", "-b", branch]);
    }

    /// <summary>A fresh clone of the remote (another user, or the reseal job's work tree).</summary>
    public string Clone(string name)
    {
        var path = Path.Combine(_root.Path, name);
        GitCli.Run(_root.Path, "clone", "--quiet", BarePath, path);
        GitCli.Run(path, "config", "user.name", "Other");
        GitCli.Run(path, "config", "user.email", "other@example.test");
        return path;
    }

    public void Dispose() => _root.Dispose();
}
