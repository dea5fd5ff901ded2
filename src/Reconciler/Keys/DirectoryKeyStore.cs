using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Keys;

/// <summary>Where keys are kept: read them all, and add a new one (never delete one).</summary>
public interface IKeyStore
{
    /// <summary>For messages: "directory /keys", "cluster kube-system".</summary>
    string Description { get; }

    Task<KeyLoadResult> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Stores a new key pair and returns it as loaded back (named as the store names it).</summary>
    Task<string> AddAsync(SealingKey key, CancellationToken cancellationToken);
}

/// <summary>
/// Keys as files in one directory: key Secret manifests (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>, one
/// Secret or a List each) and PEM files, where <c>NAME.key</c>/<c>NAME.key.pem</c> pairs with
/// <c>NAME.crt</c>/<c>NAME.crt.pem</c>/<c>NAME.cert.pem</c>. New keys are written as key Secret manifests,
/// readable by the owner only.
/// </summary>
public sealed class DirectoryKeyStore(string directory) : IKeyStore
{
    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];
    private static readonly string[] PemSuffixes = [".key.pem", ".crt.pem", ".cert.pem", ".pem", ".key", ".crt", ".cert"];

    public string Directory { get; } = directory;

    public string Description => $"directory {Directory}";

    public Task<KeyLoadResult> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Load());

    public KeyLoadResult Load()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new InputException($"key directory {Directory} does not exist");
        }

        var results = new List<KeyLoadResult>();
        var files = System.IO.Directory.EnumerateFiles(Directory).Order(StringComparer.Ordinal).ToList();
        foreach (var file in files.Where(f => ManifestExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)))
        {
            results.Add(KeyMaterialReader.ReadFile(file));
        }

        foreach (var group in files.Where(f => PemStem(f) is not null).GroupBy(PemStem, StringComparer.Ordinal))
        {
            // Concatenate the pair's PEM blocks so the reader sees certificate and key together.
            // An unreadable file is reported and skipped like a malformed one, never fatal to the others.
            string pem;
            try
            {
                pem = string.Concat(group.Select(f => System.Text.Encoding.UTF8.GetString(BoundedInput.ReadFile(f)) + "\n"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InputException)
            {
                results.Add(new KeyLoadResult([], [$"{group.First()}: unreadable ({e.Message.TrimEnd('.')})"]));
                continue;
            }

            results.Add(KeyMaterialReader.Read(System.Text.Encoding.UTF8.GetBytes(pem), group.First()));
        }

        return WithoutDuplicates(KeyLoadResult.Combine(results));
    }

    /// <summary>
    /// One key per fingerprint: <c>keys generate --out-dir D --manifest D/k.yaml</c> leaves the same key
    /// as PEM files and as a manifest, and it must count as one key. The copy that can unseal wins,
    /// then the manifest (read first, and named by its metadata rather than a file path).
    /// </summary>
    private static KeyLoadResult WithoutDuplicates(KeyLoadResult loaded)
    {
        var kept = new List<SealingKey>();
        foreach (var group in loaded.Keys.GroupBy(k => k.Fingerprint, StringComparer.Ordinal))
        {
            var best = group.FirstOrDefault(k => k.CanUnseal && k.Certificate is not null) ?? group.FirstOrDefault(k => k.CanUnseal) ?? group.First();
            kept.Add(best);
            foreach (var duplicate in group.Where(k => !ReferenceEquals(k, best)))
            {
                duplicate.Dispose();
            }
        }

        return loaded with { Keys = kept };
    }

    public Task<string> AddAsync(SealingKey key, CancellationToken cancellationToken)
    {
        var name = KeySecrets.NewName();
        var manifest = ManifestFormats.Write([SecretManifest.ToNode(KeySecrets.ToSecret(key, ControllerDefaults.Namespace, name))], ManifestFormat.Yaml);
        AtomicFile.WriteText(Path.Combine(Directory, name + ".yaml"), manifest, AtomicFile.OwnerOnly);
        return Task.FromResult(name);
    }

    private static string? PemStem(string path)
    {
        var name = Path.GetFileName(path);
        var suffix = PemSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        return suffix is null ? null : Path.Combine(Path.GetDirectoryName(path)!, name[..^suffix.Length]);
    }
}

/// <summary>Loads keys from the paths a user gives (files or key directories).</summary>
public static class KeyPaths
{
    public static KeyLoadResult Load(IEnumerable<string> paths) => KeyLoadResult.Combine(paths.Select(path =>
        System.IO.Directory.Exists(path) ? new DirectoryKeyStore(path).Load()
        : File.Exists(path) ? KeyMaterialReader.ReadFile(path)
        : throw new InputException($"{path}: no such key file or directory")));
}
