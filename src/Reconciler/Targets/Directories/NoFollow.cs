using System.Runtime.Versioning;

namespace GitOpsSecrets.Targets.Directories;

internal enum EntryKind
{
    Missing,
    Directory,
    File,
    SymbolicLink,

    /// <summary>A device, socket or pipe: never ours.</summary>
    Other,
}

/// <summary>
/// What an entry inside the target root is, without following it. The directory target never follows a
/// symbolic link below its root: every path it writes, renames or deletes is checked component by component
/// with these (lstat) first, and a link found where a namespace, a Secret, <c>..data</c> or a generation
/// should be makes that Secret someone else's (reported, never written through).
/// Check-then-use leaves a window (TOCTOU): only someone who can already write the root (its owner, which is
/// the sync's own user, or root: the root and every directory in it are ours and not group- or
/// other-writable) can race it, and they can write the files directly anyway. What this stops is a link left
/// in place: by a mistake, a restore, an older version, or a tool sharing the volume between syncs.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class NoFollow
{
    public static EntryKind KindOf(string path)
    {
        if (NativeFiles.CanStat)
        {
            var stamp = NativeFiles.TryStat(path, followLinks: false);
            if (NativeFiles.CanStat)
            {
                return stamp switch
                {
                    null => EntryKind.Missing,
                    { IsSymbolicLink: true } => EntryKind.SymbolicLink,
                    { IsDirectory: true } => EntryKind.Directory,
                    { IsRegularFile: true } => EntryKind.File,
                    _ => EntryKind.Other,
                };
            }
        }

        // Without statx: FileSystemInfo reads the link itself (lstat), so links are still seen as links.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return EntryKind.SymbolicLink;
        }

        return info.Attributes switch
        {
            (FileAttributes)(-1) => EntryKind.Missing,
            var a when a.HasFlag(FileAttributes.Directory) => EntryKind.Directory,
            _ when info.Exists => EntryKind.File,
            _ => Path.Exists(path) ? EntryKind.Other : EntryKind.Missing,
        };
    }

    /// <summary>The text of a symbolic link; null when <paramref name="path"/> is not one.</summary>
    public static string? LinkText(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads a file only if it is a regular file itself (not a link to one); null otherwise.</summary>
    public static byte[]? ReadRegularFile(string path)
    {
        return KindOf(path) == EntryKind.File ? ReadIfPresent(path) : null;
    }

    /// <summary>A file's bytes, or null when it (or its folder) is gone: a racing sync may have just removed it.</summary>
    public static byte[]? ReadIfPresent(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is missing or a real directory; names the path and says why it is
    /// left alone. <paramref name="subject"/> starts the message (e.g. "Secret ns/name").
    /// </summary>
    public static void RequireDirectoryOrMissing(string path, string subject)
    {
        var kind = KindOf(path);
        if (kind is not (EntryKind.Missing or EntryKind.Directory))
        {
            throw new TargetException($"{subject}: {path} is {Describe(kind)}, not a directory; the directory target never follows or replaces what it did not write inside its root, so it is left alone");
        }
    }

    public static string Describe(EntryKind kind) => kind switch
    {
        EntryKind.SymbolicLink => "a symbolic link",
        EntryKind.File => "a file",
        EntryKind.Directory => "a directory",
        EntryKind.Missing => "missing",
        _ => "a special file",
    };
}
