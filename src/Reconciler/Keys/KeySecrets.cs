using System.Security.Cryptography;
using System.Text;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Keys;

/// <summary>The controller's key Secret format: a labelled <c>kubernetes.io/tls</c> Secret per key pair.</summary>
public static class KeySecrets
{
    public const string KeyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";
    public const string ActiveValue = "active";
    public const string CompromisedValue = "compromised";

    /// <summary>The generateName prefix, and the name of the single key very old controllers used.</summary>
    public const string NamePrefix = "sealed-secrets-key";

    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>A name the way the API server completes generateName: the prefix and five random characters.</summary>
    public static string NewName() =>
        NamePrefix + new string(Enumerable.Range(0, 5).Select(_ => NameAlphabet[RandomNumberGenerator.GetInt32(NameAlphabet.Length)]).ToArray());

    public static Secret ToSecret(SealingKey key, string? @namespace, string? name = null)
    {
        if (key.Certificate is null || key.PrivateKey is null)
        {
            throw new InvalidOperationException("a key Secret needs both the certificate and the private key");
        }

        var secret = new Secret
        {
            Metadata = new ObjectMetadata { Name = name ?? key.Name, Namespace = @namespace },
            Type = SecretTypes.Tls,
        };
        secret.Metadata.Labels[KeyLabel] = ActiveValue;
        secret.Data[SecretTypes.TlsCertKey] = Encoding.ASCII.GetBytes(CertificatePem(key));
        secret.Data[SecretTypes.TlsPrivateKeyKey] = Encoding.ASCII.GetBytes(PrivateKeyPem(key));
        return secret;
    }

    /// <summary>
    /// A valid Secret name for a key wherever it came from: its own name when valid (a key Secret's
    /// metadata.name), else the file name without its PEM suffix (keys from <c>--out-dir</c> are named
    /// by the file path), else the prefix and the fingerprint.
    /// </summary>
    public static string SecretNameFor(SealingKey key)
    {
        if (KubernetesNames.IsValidSecretName(key.Name))
        {
            return key.Name;
        }

        var file = Path.GetFileName(key.Name.TrimEnd('/', '\\'));
        var stem = file.Split('.', 2)[0].ToLowerInvariant();
        return KubernetesNames.IsValidSecretName(stem) ? stem : $"{NamePrefix}-{key.Fingerprint[..10].ToLowerInvariant()}";
    }

    public static string CertificatePem(SealingKey key) =>
        key.Certificate is { } certificate ? certificate.ExportCertificatePem() + "\n" : throw new InvalidOperationException($"key {key.Name} has no certificate");

    /// <summary>PKCS#1 ("RSA PRIVATE KEY"), the form the controller writes to <c>tls.key</c>.</summary>
    public static string PrivateKeyPem(SealingKey key) =>
        key.PrivateKey is { } privateKey ? privateKey.ExportRSAPrivateKeyPem() + "\n" : throw new InvalidOperationException($"key {key.Name} has no private key");

    /// <summary>True when a Secret carries the controller's key label (any value but "compromised").</summary>
    public static bool IsKeySecret(Secret secret) =>
        secret.Metadata.Labels.TryGetValue(KeyLabel, out var value) && value != CompromisedValue
        || secret.Metadata.Name == NamePrefix;
}
