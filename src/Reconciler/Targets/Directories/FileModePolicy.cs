using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// Which mode each value file gets: a per-Secret key mode (<c>namespace/name/key</c>), else a key-name mode,
/// else the target's default (0400). Directories follow from the files: a Secret's directories are 0700,
/// opened to group or others (r-x) only when one of its files is, so the file modes alone decide who can read
/// a value, and with the defaults nobody but the owner can even list the key names.
/// </summary>
public sealed class FileModePolicy
{
    public const UnixFileMode DefaultFileMode = UnixFileMode.UserRead;

    /// <summary>The sidecar holds unsalted hashes of values, which a guesser could test: owner only, always.</summary>
    public const UnixFileMode SidecarMode = UnixFileMode.UserRead;

    /// <summary>
    /// Namespace directories (and a root we create) are 0755: they only reveal Secret names, which are in the
    /// repository in plain text anyway, and readers of other users must be able to pass through them.
    /// </summary>
    public const UnixFileMode NamespaceDirectoryMode = (UnixFileMode)0b111_101_101;

    private const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const UnixFileMode OtherBits = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly IReadOnlyDictionary<string, UnixFileMode> _byKey;
    private readonly IReadOnlyDictionary<string, UnixFileMode> _bySecretKey;

    public FileModePolicy(UnixFileMode defaultMode, IReadOnlyDictionary<string, UnixFileMode>? keyModes = null)
    {
        Default = defaultMode;
        keyModes ??= new Dictionary<string, UnixFileMode>();
        _byKey = keyModes.Where(p => !p.Key.Contains('/', StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        _bySecretKey = keyModes.Where(p => p.Key.Contains('/', StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
    }

    public static FileModePolicy Defaults { get; } = new(DefaultFileMode);

    public UnixFileMode Default { get; }

    public UnixFileMode For(SecretId id, string key) =>
        _bySecretKey.Count > 0 && _bySecretKey.TryGetValue($"{id.Namespace}/{id.Name}/{key}", out var exact) ? exact
        : _byKey.TryGetValue(key, out var byName) ? byName
        : Default;

    /// <summary>The mode of a Secret's directory and its generation directories, from the modes of its files.</summary>
    public UnixFileMode DirectoryFor(SecretId id, IEnumerable<string> keys)
    {
        var mode = OwnerDirectory;
        foreach (var key in keys)
        {
            var file = For(id, key);
            if ((file & GroupBits) != 0)
            {
                mode |= UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
            }

            if ((file & OtherBits) != 0)
            {
                mode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            }
        }

        return mode;
    }

    /// <summary>The policy of a directory target's configuration; an <see cref="InputException"/> names the bad field.</summary>
    public static FileModePolicy FromConfiguration(string targetName, string? fileMode, IReadOnlyDictionary<string, string> keyModes)
    {
        var defaultMode = fileMode is null ? DefaultFileMode : ParseMode(fileMode, $"target {targetName}: fileMode");
        var modes = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
        foreach (var (selector, value) in keyModes)
        {
            var field = $"target {targetName}: keyModes[\"{selector}\"]";
            var parts = selector.Split('/');
            var valid = parts.Length switch
            {
                1 => KubernetesNames.IsValidDataKey(parts[0]),
                3 => KubernetesNames.IsValidNamespace(parts[0]) && KubernetesNames.IsValidSecretName(parts[1]) && KubernetesNames.IsValidDataKey(parts[2]),
                _ => false,
            };
            if (!valid)
            {
                throw new InputException($"{field}: the key must be a Secret key name or namespace/name/key");
            }

            modes[selector] = ParseMode(value, field);
        }

        return new FileModePolicy(defaultMode, modes);
    }

    /// <summary>An octal mode such as <c>0400</c>, <c>440</c> or <c>0o600</c>; the owner must be able to read it.</summary>
    public static UnixFileMode ParseMode(string text, string field)
    {
        var digits = text.Trim();
        digits = digits.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? digits[2..] : digits;
        if (digits.Length is < 3 or > 4 || digits.Any(c => c is < '0' or > '7'))
        {
            throw new InputException($"{field}: \"{text}\" is not an octal file mode such as 0400 or 0440");
        }

        var value = Convert.ToInt32(digits, 8);
        if (value > 0b111_111_111)
        {
            throw new InputException($"{field}: \"{text}\" sets setuid, setgid or sticky bits; only permission bits (at most 0777) are allowed");
        }

        var mode = (UnixFileMode)value;
        if ((mode & UnixFileMode.UserRead) == 0)
        {
            throw new InputException($"{field}: \"{text}\" must let the owner read the file (0400 at least), or drift could not be checked");
        }

        return mode;
    }
}
