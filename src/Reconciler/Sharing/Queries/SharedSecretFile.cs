using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Sharing;

/// <summary>
/// One SharedSecret in a manifest file, with the file's bytes and documents, for the commands that
/// edit it in place. A file of several SharedSecrets needs the name of the one meant.
/// </summary>
public sealed record SharedSecretFile(string Path, byte[] Content, IReadOnlyList<ManifestDocument> Documents, int Index, SharedSecret Secret)
{
    public ManifestDocument Document => Documents[Index];

    public ManifestFormat Format => Document.Format == "json" ? ManifestFormat.Json : ManifestFormat.Yaml;

    public static SharedSecretFile Open(string path, string? name)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: no such file");
        }

        var content = BoundedInput.ReadFile(path);
        var documents = ManifestReader.Read(content, path);
        var candidates = Enumerable.Range(0, documents.Count)
            .Where(i => SharedSecretManifest.IsSharedSecret(documents[i]))
            .Select(i => (Index: i, Secret: SharedSecretManifest.Read(documents[i])))
            .Where(c => name is null || c.Secret.Name == name || $"{c.Secret.HomeNamespace}/{c.Secret.Name}" == name)
            .ToList();
        return candidates switch
        {
            [var one] => new SharedSecretFile(path, content, documents, one.Index, one.Secret),
            [] => throw new InputException(name is null ? $"{path}: no SharedSecret in the file" : $"{path}: no SharedSecret named {name}"),
            _ => throw new InputException($"{path}: {candidates.Count} SharedSecrets in the file ({string.Join(", ", candidates.Select(c => c.Secret.Name))}): pass --name"),
        };
    }

    /// <summary>
    /// Puts <paramref name="ciphertext"/> (sealed for this secret's scope) at <c>spec.encryptedData.KEY</c>
    /// and writes the file in place through <see cref="ManifestRewriter"/>: every other byte stays.
    /// </summary>
    /// <returns>"added", or "re-sealed" when the key was there.</returns>
    public string SetKey(string key, string ciphertext)
    {
        var verb = Secret.Sealed.EncryptedData.ContainsKey(key) ? "re-sealed" : "added";
        var rewriter = new ManifestRewriter(Content, Path);
        rewriter.Set(Index, ["spec", "encryptedData", key], ciphertext);
        AtomicFile.Write(Path, rewriter.Apply(), FileMode());
        return verb;
    }

    /// <summary>Drops <c>spec.encryptedData.KEY</c> and writes the file in place; a key that is not there is an input error.</summary>
    public void RemoveKey(string key)
    {
        if (!Secret.Sealed.EncryptedData.ContainsKey(key))
        {
            throw new InputException($"{Document.Location}: SharedSecret {Secret.Name} has no key {key} (it has {string.Join(", ", Secret.Sealed.EncryptedData.Keys)})");
        }

        var rewriter = new ManifestRewriter(Content, Path);
        rewriter.Remove(Index, ["spec", "encryptedData", key]);
        AtomicFile.Write(Path, rewriter.Apply(), FileMode());
    }

    /// <summary>
    /// Grants (<paramref name="add"/>) or revokes the change in <c>spec.access</c>. The rewriter edits
    /// strings only, not lists, so this SharedSecret's document is written again in the shape
    /// <see cref="SharedSecretManifest.ToNode"/> gives (its comments are not kept); the sealed values are
    /// copied as they were, and the file's other documents are kept as parsed.
    /// </summary>
    /// <returns>The access rules now in the file.</returns>
    public IReadOnlyList<AccessRule> EditAccess(AccessChange change, bool add)
    {
        var rules = add ? AccessEditor.Add(Secret.Access, change) : AccessEditor.Remove(Secret.Access, change);
        var edited = new SharedSecret
        {
            Sealed = Secret.Sealed,
            Access = rules,
            Distribute = Secret.Distribute,
            ImagePull = Secret.ImagePull,
        };
        var documents = Documents
            .Select((d, i) => i == Index ? SharedSecretManifest.ToNode(edited) : d.Root?.DeepClone())
            .OfType<JsonNode>();
        AtomicFile.WriteText(Path, ManifestFormats.Write(documents, Format), FileMode());
        return rules;
    }

    private UnixFileMode FileMode() => OperatingSystem.IsWindows() ? AtomicFile.Default : File.GetUnixFileMode(Path);
}
