using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// kubeseal's rules on what <c>seal</c> is given: <paramref name="Namespace"/> and <paramref name="Name"/>
/// from the flags (the name overrides the input's), the namespace to use when neither the input nor the
/// flag has one, empty data allowed or not, and a kustomize-style hash appended to the name or not.
/// </summary>
public sealed record SealInputRules(string? Namespace, Func<string> DefaultNamespace, string? Name, bool AllowEmptyData, bool AppendHash);

/// <summary>The Secrets <c>seal</c> reads and the SealedSecret file <c>seal --merge-into</c> edits.</summary>
public static class SealInput
{
    /// <summary>Every Secret of the input (documents of another kind are an error, none is an error), each through <see cref="Prepare"/>.</summary>
    public static List<Secret> ReadSecrets(byte[] content, string name, SealInputRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var secrets = new List<Secret>();
        foreach (var document in ManifestReader.Read(content, name).Where(d => d.Root is not null))
        {
            if (!SecretManifest.IsSecret(document))
            {
                throw document.Error(document.Root, $"expected a Secret, found {document.Kind ?? "a document without kind"}");
            }

            secrets.Add(Prepare(SecretManifest.Read(document), document.Location.ToString(), rules));
        }

        return secrets.Count > 0 ? secrets : throw new InputException($"{name}: no Secret to seal");
    }

    /// <summary>kubeseal's rules on the input Secret, then the API server's checks, before any sealing.</summary>
    public static Secret Prepare(Secret secret, string where, SealInputRules rules)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(rules);
        if (string.IsNullOrEmpty(secret.Metadata.Namespace))
        {
            secret.Metadata.Namespace = rules.Namespace ?? rules.DefaultNamespace();
        }
        else if (rules.Namespace is not null && rules.Namespace != secret.Metadata.Namespace)
        {
            throw new InputException($"{where}: the namespace of the Secret ({secret.Metadata.Namespace}) does not match --namespace ({rules.Namespace})");
        }

        if (rules.Name is not null)
        {
            // As in kubeseal, --name overrides the input's name.
            secret.Metadata.Name = rules.Name;
        }

        if (string.IsNullOrEmpty(secret.Metadata.Name))
        {
            throw new InputException($"{where}: missing metadata.name in input Secret");
        }

        if (secret.Data.Count == 0 && !rules.AllowEmptyData)
        {
            throw new InputException($"{where}: secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used");
        }

        if (rules.AppendHash)
        {
            secret = NameHashSuffix.Apply(secret);
        }

        var problems = SecretValidator.Validate(secret);
        return problems.Count == 0 ? secret : throw new InputException($"{where}: Secret {secret.Metadata.QualifiedName}: {string.Join("; ", problems)}");
    }

    /// <summary>
    /// <c>--merge-into</c>: reads the one SealedSecret of <paramref name="path"/>, lets <paramref name="merge"/>
    /// seal the Secret's values into it, and writes the file again atomically in its own format and mode.
    /// </summary>
    public static void MergeIntoFile(string path, IReadOnlyList<Secret> secrets, Action<SealedSecret, Secret> merge)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(merge);
        if (secrets.Count != 1)
        {
            throw new InputException($"--merge-into takes exactly one Secret, got {secrets.Count}");
        }

        if (!File.Exists(path))
        {
            throw new InputException($"--merge-into: {path}: no such file");
        }

        var document = ManifestReader.ReadSingle(BoundedInput.ReadFile(path), path);
        if (!SealedSecretManifest.IsSealedSecret(document))
        {
            throw document.Error(document.Root, $"--merge-into needs a SealedSecret, found {document.Kind ?? "a document without kind"}");
        }

        var existing = SealedSecretManifest.Read(document);
        merge(existing, secrets[0]);
        var format = document.Format == "json" ? ManifestFormat.Json : ManifestFormat.Yaml;
        AtomicFile.WriteText(path, ManifestFormats.Write([SealedSecretManifest.ToNode(existing)], format), OperatingSystem.IsWindows() ? AtomicFile.Default : File.GetUnixFileMode(path));
    }
}
