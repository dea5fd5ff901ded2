using System.Diagnostics;
using System.Runtime.InteropServices;
using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// libgit2's process-wide limits on connecting to a git server and on waiting for one read or write
/// (<c>GIT_OPT_SET_SERVER_CONNECT_TIMEOUT</c>, <c>GIT_OPT_SET_SERVER_TIMEOUT</c>, libgit2 1.7 and later).
/// LibGit2Sharp 0.32 does not expose them, and libgit2 does not look at a cancellation token while it is
/// blocked on a socket: without them a server that accepts the connection and never answers holds the
/// fetch, and the cache it locks, for as long as the operating system keeps the socket open.
/// </summary>
public static class GitNetworkTimeouts
{
    // git_libgit2_opt_t in libgit2's include/git2/common.h (stable since 1.7).
    private const int SetServerConnectTimeout = 39;
    private const int GetServerConnectTimeout = 40;
    private const int SetServerTimeout = 41;
    private const int GetServerTimeout = 42;

    private static readonly Lazy<IntPtr> Opts = new(FindOpts);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetOption(int option, int milliseconds);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetOption(int option, out int milliseconds);

    /// <summary>Sets both limits for every later fetch and push in this process; zero is libgit2's default (the system's).</summary>
    public static void Set(TimeSpan connect, TimeSpan read)
    {
        var set = Marshal.GetDelegateForFunctionPointer<SetOption>(Opts.Value);
        Check(set(SetServerConnectTimeout, Milliseconds(connect)), "connect timeout");
        Check(set(SetServerTimeout, Milliseconds(read)), "read timeout");
    }

    /// <summary>The limits libgit2 applies now.</summary>
    public static (TimeSpan Connect, TimeSpan Read) Get()
    {
        var get = Marshal.GetDelegateForFunctionPointer<GetOption>(Opts.Value);
        Check(get(GetServerConnectTimeout, out var connect), "connect timeout");
        Check(get(GetServerTimeout, out var read), "read timeout");
        return (TimeSpan.FromMilliseconds(connect), TimeSpan.FromMilliseconds(read));
    }

    private static int Milliseconds(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new GitException($"libgit2 refused its {what} ({result}); LibGit2Sharp's native library is older than libgit2 1.7");
        }
    }

    /// <summary>
    /// <c>git_libgit2_opts</c> in the libgit2 LibGit2Sharp has loaded: its file name carries a build hash
    /// that changes with LibGit2Sharp's native binaries, so it is found among the loaded modules, not named.
    /// </summary>
    private static IntPtr FindOpts()
    {
        _ = GlobalSettings.Version.Features; // a native call: loads and initialises the library
        using var process = Process.GetCurrentProcess();
        var path = process.Modules.Cast<ProcessModule>()
            .Select(m => m.FileName)
            .FirstOrDefault(f => Path.GetFileName(f).StartsWith("libgit2", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("git2", StringComparison.Ordinal))
            ?? throw new GitException("libgit2 is not loaded: git network timeouts cannot be set");
        return NativeLibrary.GetExport(NativeLibrary.Load(path), "git_libgit2_opts");
    }
}
