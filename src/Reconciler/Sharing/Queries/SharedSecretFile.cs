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
}
