using System.Runtime.Versioning;

namespace GitOpsSecrets.Targets.Files;

internal enum OwnerState
{
    /// <summary>Nothing at the Secret's path.</summary>
    Missing,

    /// <summary>Something we did not write (no sidecar of ours naming this Secret, a symlink, a plain file): never touched.</summary>
    Foreign,

    /// <summary>A real directory whose current generation carries our sidecar for this very Secret.</summary>
    Ours,
}

/// <summary>Decides whether a Secret's path holds a directory we wrote; asked again before every write and delete.</summary>
[UnsupportedOSPlatform("windows")]
internal static class Ownership
{
    public static (OwnerState State, SidecarRead? Sidecar) Inspect(string secretDirectory, SecretId id)
    {
        var directory = new DirectoryInfo(secretDirectory);
        if (directory.LinkTarget is not null)
        {
            // A symlink where a Secret should be: someone else's arrangement, even if it leads to one of ours.
            return (OwnerState.Foreign, null);
        }

        if (directory.Exists)
        {
            return InspectSidecar(secretDirectory, id);
        }

        return Path.Exists(secretDirectory) ? (OwnerState.Foreign, null) : (OwnerState.Missing, null);
    }

    private static (OwnerState State, SidecarRead? Sidecar) InspectSidecar(string secretDirectory, SecretId id)
    {
        var sidecarPath = SecretVolumeLayout.SidecarPath(secretDirectory);
        byte[] content;
        try
        {
            if (!File.Exists(sidecarPath))
            {
                return (OwnerState.Foreign, null);
            }

            content = File.ReadAllBytes(sidecarPath);
        }
        catch (FileNotFoundException)
        {
            return (OwnerState.Foreign, null);
        }
        catch (DirectoryNotFoundException)
        {
            return (OwnerState.Foreign, null);
        }

        var sidecar = SidecarRecord.Parse(content);
        return sidecar.Names(id) ? (OwnerState.Ours, sidecar) : (OwnerState.Foreign, null);
    }
}
