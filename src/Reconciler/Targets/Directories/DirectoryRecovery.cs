using System.Runtime.Versioning;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// Removes what an interrupted sync (kill -9, power loss) left in a directory target, at the start of the next
/// sync and under its lock: staging (<c>..new-*</c>) and deleting (<c>..deleting-*</c>) directories, which may
/// hold values, and inside Secret directories of ours superseded generations, <c>..data_tmp</c> and
/// <c>..link-*</c> temporaries, and key links left dangling by an update cut short. Only what is provably ours goes: exactly our names, real directories (never a
/// link, never followed), holding nothing but our layout. Looking into every Secret directory costs one
/// listing each, so that part runs only while <see cref="DirectoryLayout.RecoveryMarker"/> says a sync may
/// have been interrupted mid-write.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class DirectoryRecovery(string root)
{
    private readonly Lock _marking = new();
    private bool _marked;

    private string MarkerPath => Path.Join(root, DirectoryLayout.RecoveryMarker);

    /// <summary>Called before every write or delete: makes (once) and flushes the marker the next recovery looks for.</summary>
    public void MarkWriting()
    {
        lock (_marking)
        {
            if (_marked)
            {
                return;
            }

            Directory.CreateDirectory(root, FileModePolicy.NamespaceDirectoryMode);
            using (new FileStream(MarkerPath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }

            NativeFiles.SyncDirectory(root);
            _marked = true;
        }
    }

    /// <summary>Removes leftovers; returns one line per kind of thing removed, for the sync's warnings.</summary>
    public IReadOnlyList<string> Recover()
    {
        if (NoFollow.KindOf(root) != EntryKind.Directory)
        {
            return [];
        }

        var leftovers = RemoveLeftovers(root);
        var tidied = 0;
        var full = NoFollow.KindOf(MarkerPath) == EntryKind.File;
        foreach (var namespaceDirectory in RealSubdirectories(root))
        {
            leftovers += RemoveLeftovers(namespaceDirectory);
            if (full)
            {
                tidied += TidySecrets(namespaceDirectory);
            }
        }

        if (full)
        {
            File.Delete(MarkerPath);
            NativeFiles.SyncDirectory(root);
            lock (_marking)
            {
                _marked = false;
            }
        }

        var done = new List<string>();
        if (leftovers > 0)
        {
            done.Add($"removed {leftovers} staging or deleting director{(leftovers == 1 ? "y" : "ies")} left by an interrupted sync");
        }

        if (tidied > 0)
        {
            done.Add($"removed superseded generations or temporary links an interrupted sync left in {tidied} Secret director{(tidied == 1 ? "y" : "ies")}");
        }

        return done;
    }

    private static int RemoveLeftovers(string directory)
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateDirectories(directory, "..*"))
        {
            var name = Path.GetFileName(path);
            if (DirectoryLayout.IsLeftoverName(name) && NoFollow.KindOf(path) == EntryKind.Directory && Ownership.HoldsNothingButOurs(path))
            {
                Directory.Delete(path, recursive: true);
                removed++;
            }
        }

        if (removed > 0)
        {
            NativeFiles.SyncDirectory(directory);
        }

        return removed;
    }

    private static int TidySecrets(string namespaceDirectory)
    {
        var tidied = 0;
        var ns = Path.GetFileName(namespaceDirectory);
        foreach (var secretDirectory in RealSubdirectories(namespaceDirectory))
        {
            var id = new SecretId(ns, Path.GetFileName(secretDirectory));
            if (Ownership.Inspect(secretDirectory, id).State != OwnerState.Ours
                || DirectoryLayout.CurrentGeneration(secretDirectory) is not { } current)
            {
                // Foreign: not ours to touch. Ours but with no current generation: the sync repairs it by
                // writing a new generation (or prunes it), which removes the rest.
                continue;
            }

            var stale = Directory.EnumerateFileSystemEntries(secretDirectory, "..*")
                .Where(p => Path.GetFileName(p) is var name && name != current && name != DirectoryLayout.DataLink)
                .ToList();

            // A key link of ours whose key the current generation does not hold: the key was removed by an
            // update that was killed between the ..data swap and the removal of the old links.
            var dangling = Directory.EnumerateFileSystemEntries(secretDirectory)
                .Where(p => Path.GetFileName(p) is var key && !DirectoryLayout.IsOurs(key)
                    && NoFollow.LinkText(p) == DirectoryLayout.KeyLinkTarget(key)
                    && NoFollow.KindOf(Path.Join(secretDirectory, current, key)) == EntryKind.Missing)
                .ToList();
            if (stale.Count == 0 && dangling.Count == 0)
            {
                continue;
            }

            foreach (var link in dangling)
            {
                File.Delete(link);
            }

            DirectoryWriter.CleanOldGenerations(secretDirectory, keep: current);
            NativeFiles.SyncDirectory(secretDirectory);
            tidied++;
        }

        return tidied;
    }

    /// <summary>Real directories (not links) whose names could be namespaces or Secrets: no leading dot.</summary>
    private static IEnumerable<string> RealSubdirectories(string directory) =>
        Directory.EnumerateFileSystemEntries(directory)
            .Where(p => !Path.GetFileName(p).StartsWith('.') && NoFollow.KindOf(p) == EntryKind.Directory);
}
