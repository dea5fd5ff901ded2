namespace GitOpsSecrets.Reseal;

/// <summary>The manifest files under the paths a user gives: files as given, directories searched recursively.</summary>
public static class ManifestFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>
    /// Every .yaml/.yml/.json file, in ordinal path order, skipping hidden directories (.git and friends).
    /// A path that does not exist is an error naming it.
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> paths)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                Collect(path, files);
            }
            else
            {
                throw new InputException($"{path}: no such file or directory");
            }
        }

        return files.ToList();
    }

    private static void Collect(string directory, SortedSet<string> files)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            {
                files.Add(file);
            }
        }

        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            if (!Path.GetFileName(child).StartsWith('.') && !new DirectoryInfo(child).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                Collect(child, files);
            }
        }
    }
}
