using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>What identifies one version of a file without reading it: device, inode, change and modify times, size, type.</summary>
internal readonly record struct FileStamp(ulong Device, ulong Inode, long ChangedNs, long ModifiedNs, long Size, uint Type)
{
    public const uint RegularFile = 0x8000;
    public const uint DirectoryType = 0x4000;
    public const uint SymbolicLinkType = 0xA000;

    public bool IsRegularFile => Type == RegularFile;

    public bool IsDirectory => Type == DirectoryType;

    public bool IsSymbolicLink => Type == SymbolicLinkType;

    /// <summary>The later of the change and modify times, in nanoseconds since the epoch.</summary>
    public long LatestNs => Math.Max(ChangedNs, ModifiedNs);
}

/// <summary>
/// The few POSIX calls .NET does not offer: statx (for the inode and change time that make hash caching
/// safe), rename over a symlink, rename that refuses to replace, and fsync of a directory.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class NativeFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const uint RenameNoReplace = 1;
    private const int OpenReadOnlyCloseOnExec = 0x80000;
    private const int NoEntry = 2;
    private const int NotDirectory = 20;
    private const int InvalidArgument = 22;
    private const int NotSupported = 95;
    private const int NoSystemCall = 38;

    private static bool s_statxMissing;

    /// <summary>True when statx works here; without it every observation re-reads every value.</summary>
    public static bool CanStat => !s_statxMissing;

    /// <summary>The stamp of a path (following symlinks unless told not to); null when it does not exist.</summary>
    public static FileStamp? TryStat(string path, bool followLinks = true) => TryStatAt(AtFdCwd, path, followLinks);

    /// <summary>
    /// As <see cref="TryStat"/>, relative to an open directory: much shorter path walks when thousands of
    /// files below one directory are checked.
    /// </summary>
    public static FileStamp? TryStatAt(int directoryFd, string path, bool followLinks = true)
    {
        if (s_statxMissing)
        {
            return null;
        }

        int result;
        StatxBuffer buffer;
        try
        {
            result = Statx(directoryFd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, out buffer);
        }
        catch (EntryPointNotFoundException)
        {
            s_statxMissing = true;
            return null;
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is NoEntry or NotDirectory)
            {
                return null;
            }

            if (errno == NoSystemCall)
            {
                s_statxMissing = true;
                return null;
            }

            throw new IOException($"stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return new FileStamp(
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor,
            buffer.Inode,
            (buffer.ChangedSeconds * 1_000_000_000L) + buffer.ChangedNanoseconds,
            (buffer.ModifiedSeconds * 1_000_000_000L) + buffer.ModifiedNanoseconds,
            (long)buffer.Size,
            buffer.Mode & 0xF000u);
    }

    /// <summary>rename(2): atomically replaces <paramref name="to"/>, also when both are symlinks (which File.Move does not promise).</summary>
    public static void Rename(string from, string to)
    {
        if (RenamePath(from, to) != 0)
        {
            throw new IOException($"rename {from} to {to}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Moves <paramref name="from"/> to <paramref name="to"/> only if nothing is there yet (not even an empty directory).</summary>
    public static void RenameNoReplaceOrThrow(string from, string to)
    {
        if (RenameAt2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is InvalidArgument or NotSupported or NoSystemCall)
        {
            // A file system without RENAME_NOREPLACE: check, then rename (a narrow race, documented).
            if (Path.Exists(to))
            {
                throw new IOException($"rename {from} to {to}: the destination already exists");
            }

            Rename(from, to);
            return;
        }

        throw new IOException($"rename {from} to {to}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Opens a directory for <see cref="TryStatAt"/>; close it with <see cref="CloseDirectory"/>.</summary>
    public static int OpenDirectory(string path)
    {
        var fd = Open(path, OpenReadOnlyCloseOnExec);
        return fd >= 0 ? fd : throw new IOException($"open {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    public static void CloseDirectory(int fd) => _ = Close(fd);

    /// <summary>Flushes a directory's entries (new names, renames) to disk.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = OpenDirectory(path);
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenamePath(string from, string to);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int fromDirectoryFd, string from, int toDirectoryFd, string to, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>struct statx from linux/stat.h (256 bytes, a stable kernel ABI).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(96)]
        public long ChangedSeconds;

        [FieldOffset(104)]
        public uint ChangedNanoseconds;

        [FieldOffset(112)]
        public long ModifiedSeconds;

        [FieldOffset(120)]
        public uint ModifiedNanoseconds;

        [FieldOffset(136)]
        public uint DevMajor;

        [FieldOffset(140)]
        public uint DevMinor;
    }
}
