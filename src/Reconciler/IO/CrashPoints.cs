using System.Runtime.InteropServices;

namespace GitOpsSecrets.IO;

/// <summary>
/// Named points where the fault suite makes the process kill itself with SIGKILL, so kill -9 lands exactly
/// between two steps that must survive it (between a generation's files and the <c>..data</c> swap, between a
/// rename and a delete…) instead of wherever a timer happens to fall. Off unless the environment variable
/// <c>GITOPS_SECRETS_TEST_CRASH_AT=POINT[:N]</c> is set (kill on the N-th time POINT is reached, default 1):
/// a test hook, read once at start, costing one field read per point otherwise. Never set it in production.
/// </summary>
public static partial class CrashPoints
{
    public const string EnvironmentVariable = "GITOPS_SECRETS_TEST_CRASH_AT";

    /// <summary>The sync has fetched and indexed the revision, before anything is decrypted.</summary>
    public const string Indexed = "sync.indexed";

    /// <summary>One Secret has been decrypted (reached once per Secret opened).</summary>
    public const string Decrypted = "sync.decrypted";

    /// <summary>A new Secret's staging directory is complete, before it is renamed into place.</summary>
    public const string Staged = "directory.staged";

    /// <summary>An update's new generation is written, before <c>..data</c> is switched to it.</summary>
    public const string GenerationWritten = "directory.generation-written";

    /// <summary><c>..data</c> points at the new generation; key links and the old generation are not yet tidied.</summary>
    public const string DataSwapped = "directory.data-swapped";

    /// <summary>A deleted Secret has been renamed to <c>..deleting-*</c>, before it is removed.</summary>
    public const string DeleteRenamed = "directory.delete-renamed";

    /// <summary>Write-back (reseal, generate-secrets): the change is made in the work tree, not yet committed.</summary>
    public const string WriteBackChanged = "writeback.changed";

    /// <summary>Write-back: the commit is made in the work tree's repository, not yet pushed.</summary>
    public const string WriteBackCommitted = "writeback.committed";

    /// <summary>Write-back: the remote accepted the push, before the result is reported.</summary>
    public const string WriteBackPushed = "writeback.pushed";

    /// <summary>Key renewal (run): a new key pair is generated, not yet stored.</summary>
    public const string KeyGenerated = "keys.generated";

    /// <summary>Key renewal (run): the new key is in the store, before the worker reloads its keys.</summary>
    public const string KeyStored = "keys.stored";

    public static readonly IReadOnlyList<string> All = [Indexed, Decrypted, Staged, GenerationWritten, DataSwapped, DeleteRenamed, WriteBackChanged, WriteBackCommitted, WriteBackPushed, KeyGenerated, KeyStored];

    private const int SigKill = 9;
    private static readonly (string Point, int Count)? Armed = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));
    private static int s_reached;

    public static void Reached(string point)
    {
        if (Armed is not { } armed || armed.Point != point || Interlocked.Increment(ref s_reached) != armed.Count)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Environment.FailFast($"crash point {point}");
        }

        _ = Kill(Environment.ProcessId, SigKill);
    }

    private static (string, int)? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split(':', 2);
        return (parts[0], parts.Length == 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
