using System.Diagnostics;
using System.Text;

namespace GitOpsSecrets.Git;

/// <summary>
/// Runs the <c>git</c> program for what libgit2 cannot do (signature verification through ssh-keygen or
/// gpgv). No user or system configuration is read, so a user's <c>gpg.program</c> or <c>core.pager</c>
/// cannot change what is checked; output is bounded, so a hostile repository cannot fill memory.
/// </summary>
internal static class GitCommandLine
{
    private const int MaxOutputChars = 16 * 1024 * 1024;

    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs git to its end (killed when <paramref name="cancellationToken"/> fires); blocking, for the Git room's worker thread.</summary>
    public static Result Run(string workTree, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workTree,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["LC_ALL"] = "C";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new GitException("could not start git");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException($"source.verify needs the git program on PATH: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = ReadBoundedAsync(process.StandardOutput);
            var error = ReadBoundedAsync(process.StandardError);
            using (cancellationToken.Register(() => Kill(process)))
            {
                process.WaitForExit();
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new Result(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            // Keep draining past the bound so the child never blocks on a full pipe; just stop keeping it.
            if (text.Length < MaxOutputChars)
            {
                text.Append(buffer, 0, Math.Min(read, MaxOutputChars - text.Length));
            }
        }

        return text.ToString();
    }
}
