using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// The names inside a Secret's directory, as kubelet lays out a secret volume:
/// <c>ROOT/NAMESPACE/NAME/KEY → ..data/KEY</c>, <c>..data → ..TIMESTAMP_RANDOM/</c>. Every name of ours starts
/// with "..", which no Kubernetes key may (KubernetesNames.IsValidDataKey), so ours never collide with keys.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class DirectoryLayout
{
    /// <summary>The symlink naming the current generation; swapped atomically by rename.</summary>
    public const string DataLink = "..data";

    /// <summary>The new <see cref="DataLink"/> before it is renamed over the old one.</summary>
    public const string DataLinkTemporary = "..data_tmp";

    /// <summary>Our record, inside each generation so it always describes exactly the data beside it.</summary>
    public const string SidecarFile = "..gitops-secrets.json";

    /// <summary>A new Secret is built here in its namespace directory, then renamed into place.</summary>
    public const string StagingPrefix = "..new-";

    /// <summary>A deleted Secret is renamed here first, so it disappears for readers at once.</summary>
    public const string DeletingPrefix = "..deleting-";

    /// <summary>A key's symlink being replaced is made here and renamed over the key.</summary>
    public const string LinkTemporaryPrefix = "..link-";

    /// <summary>Our lock file in the target root; a hidden name no namespace can have.</summary>
    public const string LockFile = "..gitops-secrets.lock";

    /// <summary>
    /// Present in the root while a sync may have left work half done (made before the first write of a sync,
    /// removed by the next sync's recovery once every Secret directory is tidy), so a sync after a clean one
    /// need not look into every Secret directory.
    /// </summary>
    public const string RecoveryMarker = "..gitops-secrets.recover";

    public static bool IsOurs(string entryName) => entryName.StartsWith("..", StringComparison.Ordinal);

    /// <summary>The sidecar of a generation, addressed through the generation's own name (never through a link).</summary>
    public static string SidecarPath(string secretDirectory, string generation) => Path.Join(secretDirectory, generation, SidecarFile);

    /// <summary>Exactly the names <see cref="GenerationName"/> makes.</summary>
    public static bool IsGenerationName(string name) => GenerationPattern().IsMatch(name);

    /// <summary>A staging or deleting directory name exactly as we make them (prefix and 8 hex digits).</summary>
    public static bool IsLeftoverName(string name) => LeftoverPattern().IsMatch(name);

    /// <summary>A temporary key link exactly as we make them.</summary>
    public static bool IsLinkTemporaryName(string name) => LinkTemporaryPattern().IsMatch(name);

    /// <summary>
    /// The generation <c>..data</c> names, when it is a symbolic link to one of our generation names beside
    /// it and that is a real directory (checked without following anything); null otherwise.
    /// </summary>
    public static string? CurrentGeneration(string secretDirectory)
    {
        var dataLink = Path.Join(secretDirectory, DataLink);
        if (NoFollow.KindOf(dataLink) != EntryKind.SymbolicLink || NoFollow.LinkText(dataLink) is not { } generation || !IsGenerationName(generation))
        {
            return null;
        }

        return NoFollow.KindOf(Path.Join(secretDirectory, generation)) == EntryKind.Directory ? generation : null;
    }

    /// <summary>kubelet's generation name: <c>..2026_12_01_21_30_00.1234567_ab12cd34</c>, sortable by time.</summary>
    public static string GenerationName(DateTimeOffset now) =>
        $"..{now.UtcDateTime:yyyy_MM_dd_HH_mm_ss.fffffff}_{RandomSuffix()}";

    public static string RandomSuffix() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public static string KeyLinkTarget(string key) => DataLink + "/" + key;

    [GeneratedRegex(@"^\.\.[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}\.[0-9]{7}_[0-9a-f]{8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex GenerationPattern();

    [GeneratedRegex(@"^\.\.(new|deleting)-[0-9a-f]{8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex LeftoverPattern();

    [GeneratedRegex(@"^\.\.link-[0-9a-f]{8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex LinkTemporaryPattern();
}
