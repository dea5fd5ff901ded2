using System.Diagnostics;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// The git command line, used by the fixtures to build remotes and to act as "another user": an
/// implementation independent of the libgit2 code under test.
/// </summary>
public static class GitCli
{
    public static string Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("init.defaultBranch=main");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No user or system configuration leaks into the tests; a fixed identity for commits.
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_AUTHOR_NAME"] = "Fixture";
        start.Environment["GIT_AUTHOR_EMAIL"] = "fixture@example.test";
        start.Environment["GIT_COMMITTER_NAME"] = "Fixture";
        start.Environment["GIT_COMMITTER_EMAIL"] = "fixture@example.test";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} in {workingDirectory} failed with exit code {process.ExitCode}: {stderr}");
        }

        return stdout.Result.Trim();
    }
}
