using System.Text;

namespace GitOpsSecrets.Git;

/// <summary>
/// The program libgit2 runs for ssh remotes. libgit2 (1.9, as shipped with LibGit2Sharp 0.32) talks ssh
/// by running the system <c>ssh</c>: it takes the program from <c>GIT_SSH</c> in the native environment
/// or from <c>core.sshCommand</c>, and runs that value as ONE program path without splitting arguments.
/// Environment.SetEnvironmentVariable does not reach the native environment on Linux, and changing the
/// process environment would race between concurrent operations, so we write a small script that execs
/// ssh with our options and point <c>core.sshCommand</c> of the repository at it.
/// The script keeps ssh's stderr in a file next to it, so a failure can say "host key unknown" or
/// "key rejected" instead of libgit2's bare "ssh exited with code 255".
/// </summary>
internal sealed class SshCommand
{
    private SshCommand(string scriptPath, string stderrPath)
    {
        ScriptPath = scriptPath;
        StderrPath = stderrPath;
    }

    public string ScriptPath { get; }

    public string StderrPath { get; }

    public static SshCommand Write(string directory, GitAuth auth)
    {
        if (string.IsNullOrEmpty(auth.KnownHostsFile))
        {
            throw new GitException("ssh remote needs a known_hosts file (auth knownHostsFile): host keys are never trusted on first use");
        }

        var knownHosts = Path.GetFullPath(auth.KnownHostsFile);
        if (!File.Exists(knownHosts))
        {
            throw new GitException($"ssh known_hosts file {knownHosts} does not exist");
        }

        string? key = null;
        if (!string.IsNullOrEmpty(auth.SshKeyFile))
        {
            key = Path.GetFullPath(auth.SshKeyFile);
            if (!File.Exists(key))
            {
                throw new GitException($"ssh key file {key} does not exist");
            }
        }

        Directory.CreateDirectory(directory);
        var script = Path.Combine(directory, "ssh-command");
        var stderr = Path.Combine(directory, "ssh-stderr");
        var text = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append("# Written by gitops-secrets: libgit2 runs core.sshCommand as one program, so options live here.\n")
            .Append("exec ssh")
            .Append(" -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes")
            .Append(" -o GlobalKnownHostsFile=/dev/null -o UserKnownHostsFile=").Append(Quote(knownHosts))
            .Append(key is null ? string.Empty : " -i " + Quote(key))
            .Append(" \"$@\" 2>").Append(Quote(stderr)).Append('\n')
            .ToString();

        // Written whole and renamed, so a concurrent reader never runs half a script.
        var temporary = script + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.Move(temporary, script, overwrite: true);
        return new SshCommand(script, stderr);
    }

    /// <summary>The last lines ssh wrote to stderr, or empty.</summary>
    public string ReadStderr()
    {
        try
        {
            return File.Exists(StderrPath) ? File.ReadAllText(StderrPath) : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public void ClearStderr()
    {
        try
        {
            File.Delete(StderrPath);
        }
        catch (IOException)
        {
            // Only diagnostics; a stale file is overwritten by the next run anyway.
        }
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
