using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Keys;

/// <summary>Keys read from some input, and what could not be read (reported, then skipped).</summary>
public sealed record KeyLoadResult(IReadOnlyList<SealingKey> Keys, IReadOnlyList<string> Problems)
{
    public static KeyLoadResult Combine(IEnumerable<KeyLoadResult> results)
    {
        var list = results.ToList();
        return new KeyLoadResult(list.SelectMany(r => r.Keys).ToList(), list.SelectMany(r => r.Problems).ToList());
    }
}

/// <summary>
/// Reads key material in every form people keep it: PEM (private key, certificate, or both), a
/// controller key Secret (<c>kubernetes.io/tls</c>) in JSON or YAML, and a <c>List</c> of them as
/// <c>kubectl get secret -o yaml</c> prints. Anything malformed is reported and skipped, never fatal,
/// so one bad key cannot take the others down with it.
/// </summary>
public static class KeyMaterialReader
{
    public static KeyLoadResult ReadFile(string path)
    {
        try
        {
            return Read(BoundedInput.ReadFile(path), path);
        }
        catch (InputException e)
        {
            return new KeyLoadResult([], [e.Message]);
        }
        catch (IOException e)
        {
            return new KeyLoadResult([], [$"{path}: {e.Message}"]);
        }
        catch (UnauthorizedAccessException)
        {
            return new KeyLoadResult([], [$"{path}: permission denied"]);
        }
    }

    public static KeyLoadResult Read(byte[] content, string sourceName)
    {
        var text = Encoding.UTF8.GetString(content);
        if (text.Contains("-----BEGIN ", StringComparison.Ordinal) && !text.TrimStart().StartsWith('{') && !LooksLikeManifest(text))
        {
            return ReadPem(text, sourceName);
        }

        IReadOnlyList<ManifestDocument> documents;
        try
        {
            documents = ManifestReader.Read(content, sourceName);
        }
        catch (ManifestException e)
        {
            return new KeyLoadResult([], [e.Message]);
        }

        var keys = new List<SealingKey>();
        var problems = new List<string>();
        foreach (var document in documents.Where(d => d.Root is not null))
        {
            ReadDocument(document, keys, problems);
        }

        if (keys.Count == 0 && problems.Count == 0)
        {
            problems.Add($"{sourceName}: no key found (expected PEM, a kubernetes.io/tls Secret or a List of them)");
        }

        return new KeyLoadResult(keys, problems);
    }

    /// <summary>A key from a certificate PEM alone: it seals but cannot unseal.</summary>
    public static SealingKey ReadCertificate(string pem, string sourceName)
    {
        try
        {
            return SealingKey.FromCertificate(sourceName, X509Certificate2.CreateFromPem(pem));
        }
        catch (CryptographicException e)
        {
            throw new InputException($"{sourceName}: not a PEM certificate with an RSA key ({e.Message.TrimEnd('.')})");
        }
    }

    private static bool LooksLikeManifest(string text) =>
        text.Contains("kind:", StringComparison.Ordinal) || text.Contains("apiVersion:", StringComparison.Ordinal);

    private static KeyLoadResult ReadPem(string text, string sourceName)
    {
        try
        {
            var privateKey = ReadPrivateKey(text);
            var certificate = text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) ? X509Certificate2.CreateFromPem(text) : null;
            if (privateKey is null && certificate is null)
            {
                return new KeyLoadResult([], [$"{sourceName}: no RSA private key or certificate in PEM"]);
            }

            var key = certificate is null ? SealingKey.FromPrivateKey(sourceName, privateKey!) : SealingKey.FromCertificate(sourceName, certificate, privateKey);
            return new KeyLoadResult([key], []);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return new KeyLoadResult([], [$"{sourceName}: unreadable key material ({e.Message.TrimEnd('.')})"]);
        }
    }

    private static RSA? ReadPrivateKey(string pem)
    {
        if (!pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return null;
        }

        var rsa = RSA.Create();
        try
        {
            // ImportFromPem would fail on a file that also holds a certificate; pick the key block out.
            var fields = PemEncoding.Find(pem);
            var remaining = pem.AsSpan();
            while (true)
            {
                var label = remaining[fields.Label];
                if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
                {
                    rsa.ImportFromPem(remaining[fields.Location]);
                    return rsa;
                }

                remaining = remaining[fields.Location.End..];
                if (!PemEncoding.TryFind(remaining, out fields))
                {
                    throw new CryptographicException("no private key block");
                }
            }
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static void ReadDocument(ManifestDocument document, List<SealingKey> keys, List<string> problems)
    {
        if (document.Kind == "List" || document.Kind?.EndsWith("List", StringComparison.Ordinal) == true)
        {
            if ((document.Root as JsonObject)?["items"] is not JsonArray items)
            {
                problems.Add($"{document.Location}: a List without items");
                return;
            }

            // Items of a List are nodes of the same document; give each its own message prefix.
            for (var i = 0; i < items.Count; i++)
            {
                ReadSecretNode(document, items[i], $"items[{i}]", keys, problems);
            }

            return;
        }

        ReadSecretNode(document, document.Root, null, keys, problems);
    }

    private static void ReadSecretNode(ManifestDocument document, JsonNode? node, string? path, List<SealingKey> keys, List<string> problems)
    {
        var where = path is null ? document.LocationOf(node).ToString() : $"{document.LocationOf(node)} {path}";
        if (node is not JsonObject obj || (obj["kind"] as JsonValue)?.ToString() != "Secret")
        {
            problems.Add($"{where}: not a Secret, skipped");
            return;
        }

        var fields = new NodeFields(document);
        string name;
        try
        {
            var metadata = SecretManifest.ReadMetadata(fields, fields.OptionalObject(obj, "metadata", "metadata"), "metadata");
            name = metadata.Name ?? metadata.Other["generateName"]?.ToString() ?? where;
            var data = fields.StringMap(obj, "data", "data");
            if (!data.TryGetValue(SecretTypes.TlsPrivateKeyKey, out var keyBase64))
            {
                problems.Add($"{where}: Secret {name} has no {SecretTypes.TlsPrivateKeyKey}, skipped");
                return;
            }

            var keyPem = Encoding.UTF8.GetString(SecretManifest.DecodeBase64(document, obj["data"]?[SecretTypes.TlsPrivateKeyKey], $"data.{SecretTypes.TlsPrivateKeyKey}", keyBase64));
            var privateKey = ReadPrivateKey(keyPem) ?? throw new CryptographicException($"{SecretTypes.TlsPrivateKeyKey} holds no private key");
            if (data.TryGetValue(SecretTypes.TlsCertKey, out var certBase64))
            {
                var certPem = Encoding.UTF8.GetString(SecretManifest.DecodeBase64(document, obj["data"]?[SecretTypes.TlsCertKey], $"data.{SecretTypes.TlsCertKey}", certBase64));
                keys.Add(SealingKey.FromCertificate(name, X509Certificate2.CreateFromPem(certPem), privateKey));
            }
            else
            {
                keys.Add(SealingKey.FromPrivateKey(name, privateKey));
            }
        }
        catch (ManifestException e)
        {
            problems.Add($"{e.Message}{(path is null ? string.Empty : $" ({path})")}, skipped");
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            problems.Add($"{where}: malformed key Secret ({e.Message.TrimEnd('.')}), skipped");
        }
    }
}
