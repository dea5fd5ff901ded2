using System.Diagnostics;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A real git remote for tests: a bare repository on disk and a work clone that commits and pushes to
/// it with the git command line, the way people change a GitOps repository.
/// </summary>
public sealed class GitRemote : IDisposable
{
    private readonly TempDirectory _directory = new();

    public GitRemote()
    {
        Run(_directory.Path, "init", "-q", "--bare", "-b", "main", Bare);
        Run(_directory.Path, "init", "-q", "-b", "main", Work);
        Run(Work, "remote", "add", "origin", Bare);
    }

    /// <summary>The remote's path: what <c>--repo</c> is given.</summary>
    public string Bare => _directory.File("remote.git");

    public string Work => _directory.File("work");

    public string WriteFile(string path, string content)
    {
        var full = Path.Combine(Work, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void DeleteFile(string path) => File.Delete(Path.Combine(Work, path));

    /// <summary>Commits everything in the work tree and pushes it; returns the new commit id.</summary>
    public string CommitAndPush(string message)
    {
        Run(Work, "add", "-A");
        Run(Work, "commit", "-q", "-m", message);
        Run(Work, "push", "-q", "origin", "main");
        return Run(Work, "rev-parse", "HEAD").Trim();
    }

    public static string Run(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {error}");
    }

    public void Dispose() => _directory.Dispose();
}
