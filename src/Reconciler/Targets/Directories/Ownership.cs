using System.Runtime.Versioning;

namespace GitOpsSecrets.Targets.Directories;

internal enum OwnerState
{
    /// <summary>Nothing at the Secret's path.</summary>
    Missing,

    /// <summary>Something we did not write (no sidecar of ours naming this Secret, a symlink, a plain file): never touched.</summary>
    Foreign,

    /// <summary>
    /// A real directory we wrote: its current generation carries our sidecar for this very Secret, or (left
    /// broken by an interrupted or racing older sync) it holds nothing but our own layout. Ours to repair.
    /// </summary>
    Ours,
}

/// <summary>
/// Decides whether a Secret's path holds a directory we wrote; asked again before every write and delete.
/// What proves "ours", checked without following any link:
/// <list type="number">
/// <item>a real directory whose <c>..data</c> is a link to a generation directory of ours beside it, holding a
/// regular-file sidecar that names this namespace/name (a sidecar we cannot parse there still marks it ours,
/// as before); or</item>
/// <item>a real directory holding nothing but our layout, and not empty: generation directories
/// named exactly as we name them (none with a sidecar naming another Secret), <c>..data</c>/<c>..data_tmp</c>
/// links to such names, <c>..link-XXXXXXXX</c> temporaries, and key links reading exactly <c>..data/KEY</c>.
/// Any other entry (a plain file, a directory, a link elsewhere, an unknown ".." name) makes it foreign. Key links
/// alone (the state two racing syncs of older versions left behind) dangle, so repairing them loses nothing.</item>
/// </list>
/// The second rule is what lets a sync repair a Secret left with dangling key links, no sidecar or no
/// generation: a person or another tool does not write kubelet's layout with our generation names.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class Ownership
{
    public static (OwnerState State, SidecarRead? Sidecar) Inspect(string secretDirectory, SecretId id)
    {
        switch (NoFollow.KindOf(secretDirectory))
        {
            case EntryKind.Missing:
                return (OwnerState.Missing, null);
            case EntryKind.Directory:
                break;
            default:
                // A symlink where a Secret should be: someone else's arrangement, even if it leads to one of ours.
                return (OwnerState.Foreign, null);
        }

        if (DirectoryLayout.CurrentGeneration(secretDirectory) is { } generation
            && NoFollow.ReadRegularFile(DirectoryLayout.SidecarPath(secretDirectory, generation)) is { } content)
        {
            var sidecar = SidecarRecord.Parse(content);
            return sidecar.Names(id) ? (OwnerState.Ours, sidecar) : (OwnerState.Foreign, null);
        }

        return HoldsOnlyOurLayout(secretDirectory, id) ? (OwnerState.Ours, SidecarRead.Broken) : (OwnerState.Foreign, null);
    }

    /// <summary>
    /// For staging and deleting directories (the Secret they were for is not known from the name): empty, or
    /// nothing but our layout for whatever Secret its sidecars name.
    /// </summary>
    public static bool HoldsNothingButOurs(string directory) =>
        !Directory.EnumerateFileSystemEntries(directory).Any() || HoldsOnlyOurLayout(directory, id: null);

    private static bool HoldsOnlyOurLayout(string secretDirectory, SecretId? id)
    {
        var ourPieces = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(secretDirectory))
        {
            var name = Path.GetFileName(path);
            var kind = NoFollow.KindOf(path);
            var link = kind == EntryKind.SymbolicLink ? NoFollow.LinkText(path) : null;
            bool ours;
            if (name is DirectoryLayout.DataLink or DirectoryLayout.DataLinkTemporary)
            {
                ours = link is not null && DirectoryLayout.IsGenerationName(link);
                ourPieces++;
            }
            else if (DirectoryLayout.IsGenerationName(name))
            {
                ours = kind == EntryKind.Directory && SidecarNamesNoOther(path, id);
                ourPieces++;
            }
            else if (DirectoryLayout.IsLinkTemporaryName(name))
            {
                ours = link is not null && link.StartsWith(DirectoryLayout.DataLink + "/", StringComparison.Ordinal);
            }
            else
            {
                // Without ..data beside them these links dangle: taking such a directory as ours to repair
                // loses nothing anyone could read.
                ours = !DirectoryLayout.IsOurs(name) && link == DirectoryLayout.KeyLinkTarget(name);
                ourPieces++;
            }

            if (!ours)
            {
                return false;
            }
        }

        return ourPieces > 0;
    }

    /// <summary>False when a generation directory holds a sidecar that names another Secret (or is not a regular file).</summary>
    private static bool SidecarNamesNoOther(string generation, SecretId? id)
    {
        var path = Path.Join(generation, DirectoryLayout.SidecarFile);
        return NoFollow.KindOf(path) switch
        {
            EntryKind.Missing => true,
            EntryKind.File => id is not { } wanted || NoFollow.ReadRegularFile(path) is not { } content || SidecarRecord.Parse(content).Names(wanted),
            _ => false,
        };
    }
}
