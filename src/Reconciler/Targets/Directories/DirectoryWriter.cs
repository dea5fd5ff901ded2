using System.Runtime.Versioning;
using GitOpsSecrets.IO;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// Writes and deletes Secret directories the way kubelet's atomic writer updates a secret volume, so a
/// reader that resolves <c>..data</c> once and reads its keys from there sees one whole generation, never a mix:
/// <list type="number">
/// <item>write every key and our sidecar into a new <c>..TIMESTAMP_RANDOM</c> directory and fsync it;</item>
/// <item>add <c>KEY → ..data/KEY</c> links for new keys (dangling, so absent for readers, until the swap);</item>
/// <item>point a new <c>..data_tmp</c> symlink at it and rename it over <c>..data</c> (atomic);</item>
/// <item>remove entries of keys that are gone (dangling since the swap);</item>
/// <item>delete the previous generation.</item>
/// </list>
/// A new Secret is built completely in a hidden staging directory and renamed into place (refusing to replace
/// anything), so it appears whole. A deleted one is renamed away first, so it disappears whole.
/// Takeover is never done here: a path we did not write is refused, whatever the write mode says (Replace and
/// Patch included; Bitnami's takeover annotations have no equivalent on a directory). Recreate is the same
/// atomic swap, so readers never see the Secret missing; it only lifts the immutability check.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class DirectoryWriter(string root, FileModePolicy modes, TimeProvider time)
{
    public string SecretDirectory(SecretId id) => Path.Join(root, id.Namespace, id.Name);

    public void Write(SecretWrite write)
    {
        var id = write.Id;
        var secretDirectory = SecretDirectory(id);
        NoFollow.RequireDirectoryOrMissing(Path.Join(root, id.Namespace), $"Secret {id}");
        var (state, sidecar) = Ownership.Inspect(secretDirectory, id);
        switch (state)
        {
            case OwnerState.Foreign:
                throw new TargetException($"Secret {id}: {secretDirectory} exists and was not written by gitops-secrets (no record of ours in it); a directory target never takes over or overwrites it");
            case OwnerState.Missing:
                Create(write, secretDirectory);
                return;
            default:
                RefuseImmutableChange(write, sidecar!);
                Update(write, secretDirectory);
                return;
        }
    }

    /// <summary>Deletes a Secret directory, after checking once more that it is ours (<see cref="Ownership"/>), also when left broken.</summary>
    public void Delete(SecretId id)
    {
        var secretDirectory = SecretDirectory(id);
        NoFollow.RequireDirectoryOrMissing(Path.Join(root, id.Namespace), $"Secret {id}");
        var (state, _) = Ownership.Inspect(secretDirectory, id);
        if (state == OwnerState.Missing)
        {
            return;
        }

        if (state == OwnerState.Foreign)
        {
            throw new TargetException($"Secret {id}: {secretDirectory} is not deleted: it was not written by gitops-secrets");
        }

        var namespaceDirectory = Path.Join(root, id.Namespace);
        var doomed = Path.Join(namespaceDirectory, DirectoryLayout.DeletingPrefix + DirectoryLayout.RandomSuffix());
        NativeFiles.RenameNoReplaceOrThrow(secretDirectory, doomed);
        NativeFiles.SyncDirectory(namespaceDirectory);
        CrashPoints.Reached(CrashPoints.DeleteRenamed);

        // Recursive delete unlinks symlinks without following them, so nothing outside is ever touched.
        Directory.Delete(doomed, recursive: true);
    }

    private static void RefuseImmutableChange(SecretWrite write, SidecarRead sidecar)
    {
        if (write.Mode == WriteMode.Recreate || sidecar.Record is not { Immutable: true } record)
        {
            return;
        }

        if (record.AppliedStamp!.DataHash != write.Stamp.DataHash || write.Secret.Immutable != true)
        {
            throw new TargetException($"Secret {write.Id} is immutable: its data cannot change (nor can it become mutable) unless it is recreated");
        }
    }

    private void Create(SecretWrite write, string secretDirectory)
    {
        var namespaceDirectory = Path.Join(root, write.Id.Namespace);
        EnsureNamespaceDirectory(namespaceDirectory);
        var staging = Path.Join(namespaceDirectory, DirectoryLayout.StagingPrefix + DirectoryLayout.RandomSuffix());
        try
        {
            MakeDirectory(staging, modes.DirectoryFor(write.Id, write.Secret.Data.Keys));
            var generation = WriteGeneration(staging, write);
            File.CreateSymbolicLink(Path.Join(staging, DirectoryLayout.DataLink), generation);
            foreach (var key in write.Secret.Data.Keys)
            {
                File.CreateSymbolicLink(Path.Join(staging, key), DirectoryLayout.KeyLinkTarget(key));
            }

            NativeFiles.SyncDirectory(staging);
            CrashPoints.Reached(CrashPoints.Staged);
            NativeFiles.RenameNoReplaceOrThrow(staging, secretDirectory);
            NativeFiles.SyncDirectory(namespaceDirectory);
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    private void Update(SecretWrite write, string secretDirectory)
    {
        var keys = write.Secret.Data.Keys.ToHashSet(StringComparer.Ordinal);
        var directoryMode = modes.DirectoryFor(write.Id, keys);
        string generation;
        try
        {
            generation = WriteGeneration(secretDirectory, write);
        }
        catch
        {
            // The previous generation is untouched and still current.
            CleanOldGenerations(secretDirectory, keep: CurrentGeneration(secretDirectory));
            throw;
        }

        CrashPoints.Reached(CrashPoints.GenerationWritten);

        // Links for new keys go in before the swap: until then they dangle (the key is absent for readers),
        // after it they resolve, so a reader (or a kill at any point) never sees a key of one generation missing
        // beside the values of the other.
        foreach (var key in keys)
        {
            EnsureKeyLink(secretDirectory, key);
        }

        var temporaryLink = Path.Join(secretDirectory, DirectoryLayout.DataLinkTemporary);
        File.Delete(temporaryLink);
        File.CreateSymbolicLink(temporaryLink, generation);
        NativeFiles.Rename(temporaryLink, Path.Join(secretDirectory, DirectoryLayout.DataLink));
        CrashPoints.Reached(CrashPoints.DataSwapped);

        foreach (var entry in Directory.GetFileSystemEntries(secretDirectory).Select(Path.GetFileName).OfType<string>())
        {
            if (!DirectoryLayout.IsOurs(entry) && !keys.Contains(entry))
            {
                RemoveEntry(Path.Join(secretDirectory, entry));
            }
        }

        File.SetUnixFileMode(secretDirectory, directoryMode);
        NativeFiles.SyncDirectory(secretDirectory);
        CleanOldGenerations(secretDirectory, keep: generation);
    }

    /// <summary>Writes every value and the sidecar into a new generation directory; returns its name.</summary>
    private string WriteGeneration(string parent, SecretWrite write)
    {
        var name = DirectoryLayout.GenerationName(time.GetUtcNow());
        var path = Path.Join(parent, name);
        MakeDirectory(path, modes.DirectoryFor(write.Id, write.Secret.Data.Keys));
        foreach (var (key, value) in write.Secret.Data)
        {
            WriteFile(Path.Join(path, key), value, modes.For(write.Id, key));
        }

        WriteFile(Path.Join(path, DirectoryLayout.SidecarFile), SidecarRecord.For(write).ToJson(), FileModePolicy.SidecarMode);
        NativeFiles.SyncDirectory(path);
        return name;
    }

    private static void WriteFile(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        // Created with its final mode, so a value is never readable with looser permissions, then set
        // exactly (the umask may have taken bits away).
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode & ~(UnixFileMode)0b000_111_111 });
        File.SetUnixFileMode(stream.SafeFileHandle, mode);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static void MakeDirectory(string path, UnixFileMode mode)
    {
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(path, mode);
    }

    private static void EnsureNamespaceDirectory(string namespaceDirectory)
    {
        // Checked without following: a link planted in place of a namespace is never written through.
        if (NoFollow.KindOf(namespaceDirectory) == EntryKind.Directory)
        {
            return;
        }

        NoFollow.RequireDirectoryOrMissing(namespaceDirectory, "namespace directory");
        var root = Path.GetDirectoryName(namespaceDirectory)!;
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root, FileModePolicy.NamespaceDirectoryMode);
            File.SetUnixFileMode(root, FileModePolicy.NamespaceDirectoryMode);
        }

        // Made under a temporary name with its exact mode (the umask may take bits away), then renamed into
        // place, so a concurrent writer never sees it with the wrong mode.
        var temporary = Path.Join(root, DirectoryLayout.StagingPrefix + DirectoryLayout.RandomSuffix());
        Directory.CreateDirectory(temporary, FileModePolicy.NamespaceDirectoryMode);
        File.SetUnixFileMode(temporary, FileModePolicy.NamespaceDirectoryMode);
        try
        {
            NativeFiles.RenameNoReplaceOrThrow(temporary, namespaceDirectory);
        }
        catch (IOException) when (NoFollow.KindOf(namespaceDirectory) == EntryKind.Directory)
        {
            // Another writer made it at the same moment.
            Directory.Delete(temporary);
        }
    }

    /// <summary>Makes <c>KEY → ..data/KEY</c>, replacing atomically whatever else stands there.</summary>
    private static void EnsureKeyLink(string secretDirectory, string key)
    {
        var path = Path.Join(secretDirectory, key);
        var target = DirectoryLayout.KeyLinkTarget(key);
        var existing = new FileInfo(path);
        if (existing.LinkTarget == target)
        {
            return;
        }

        if (Directory.Exists(path) && existing.LinkTarget is null)
        {
            // rename(2) cannot replace a directory with a symlink; someone put one here, it goes first.
            Directory.Delete(path, recursive: true);
        }

        var temporary = Path.Join(secretDirectory, DirectoryLayout.LinkTemporaryPrefix + DirectoryLayout.RandomSuffix());
        File.CreateSymbolicLink(temporary, target);
        NativeFiles.Rename(temporary, path);
    }

    internal static void RemoveEntry(string path)
    {
        if (NoFollow.KindOf(path) == EntryKind.Directory)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    private static string? CurrentGeneration(string secretDirectory) => DirectoryLayout.CurrentGeneration(secretDirectory);

    /// <summary>Deletes every hidden directory and temporary link of ours except the current generation.</summary>
    internal static void CleanOldGenerations(string secretDirectory, string? keep)
    {
        foreach (var entry in Directory.GetFileSystemEntries(secretDirectory))
        {
            var name = Path.GetFileName(entry);
            if (!DirectoryLayout.IsOurs(name) || name == keep || name == DirectoryLayout.DataLink)
            {
                continue;
            }

            RemoveEntry(entry);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a hidden leftover never looks like a Secret (names cannot start with a dot).
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    /// <summary>Checks what we are about to turn into paths: names that cannot escape the root, keys kubelet would accept.</summary>
    public static void Validate(SecretWrite write)
    {
        var id = write.Id;
        if (!KubernetesNames.IsValidNamespace(id.Namespace) || !KubernetesNames.IsValidSecretName(id.Name))
        {
            throw new TargetException($"Secret {id}: not a valid namespace/name for a directory path");
        }

        var bad = write.Secret.Data.Keys.Where(k => !KubernetesNames.IsValidDataKey(k)).ToList();
        if (bad.Count > 0)
        {
            throw new TargetException($"Secret {id}: invalid key name(s) {string.Join(", ", bad)}: {KubernetesNames.DataKeyRule}");
        }
    }
}
