using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>SealedSecret manifests sealed with a given key, as kubeseal would print them, for reseal and coverage tests.</summary>
public static class SealedFiles
{
    private static readonly Sealer Sealer = new(Engines.Cipher("openssl"));

    public static SealedSecret Seal(SealingKey key, string @namespace, string name, IReadOnlyDictionary<string, string> values, SealingScope scope = SealingScope.Strict, bool annotate = true)
    {
        var secret = PlainSecret(@namespace, name, values);
        secret.Metadata.Labels["app"] = name;
        var sealedSecret = Sealer.Seal(secret, key, scope);
        if (!annotate)
        {
            sealedSecret.Metadata.Annotations.Remove(Unsealer.SealingKeyAnnotation);
        }

        return sealedSecret;
    }

    /// <summary>A Secret holding the values as UTF-8, before sealing.</summary>
    public static Secret PlainSecret(string @namespace, string name, IReadOnlyDictionary<string, string> values)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace } };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        return secret;
    }

    public static string Yaml(SealedSecret sealedSecret) => ManifestFormats.Write([SealedSecretManifest.ToNode(sealedSecret)], ManifestFormat.Yaml);

    public static string Json(SealedSecret sealedSecret) => ManifestFormats.Write([SealedSecretManifest.ToNode(sealedSecret)], ManifestFormat.Json);

    /// <summary>Writes NAME.crt and NAME.key into a directory (a key directory the CLI reads).</summary>
    public static void WriteKeyPair(string directory, string name, string certificatePem, string privateKeyPem)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificatePem);
        File.WriteAllText(Path.Combine(directory, name + ".key"), privateKeyPem);
    }

    /// <summary>Every SealedSecret of a file, opened with the given keys alone; null values for those that do not open.</summary>
    public static List<(string Name, Dictionary<string, string>? Values)> Open(string file, params SealingKey[] keys)
    {
        using var ring = new KeyRing(keys);
        var unsealer = new Unsealer(Engines.Cipher("openssl"));
        return ManifestReader.ReadFile(file)
            .Where(SealedSecretManifest.IsSealedSecret)
            .Select(SealedSecretManifest.Read)
            .Select(s => (s.Metadata.QualifiedName, unsealer.Unseal(s, ring).Secret?.Data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value))))
            .ToList();
    }
}
