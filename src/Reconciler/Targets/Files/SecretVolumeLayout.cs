namespace GitOpsSecrets.Targets.Files;

/// <summary>
/// The names inside a Secret's directory, as kubelet lays out a secret volume:
/// <c>ROOT/NAMESPACE/NAME/KEY → ..data/KEY</c>, <c>..data → ..TIMESTAMP_RANDOM/</c>. Every name of ours starts
/// with "..", which no Kubernetes key may (KubernetesNames.IsValidDataKey), so ours never collide with keys.
/// </summary>
internal static class SecretVolumeLayout
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

    public static bool IsOurs(string entryName) => entryName.StartsWith("..", StringComparison.Ordinal);

    public static string SidecarPath(string secretDirectory) => Path.Join(secretDirectory, DataLink, SidecarFile);

    /// <summary>kubelet's generation name: <c>..2026_12_01_21_30_00.1234567_ab12cd34</c>, sortable by time.</summary>
    public static string GenerationName(DateTimeOffset now) =>
        $"..{now.UtcDateTime:yyyy_MM_dd_HH_mm_ss.fffffff}_{RandomSuffix()}";

    public static string RandomSuffix() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public static string KeyLinkTarget(string key) => DataLink + "/" + key;
}
