using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>How the sealing key of a manifest was found.</summary>
public enum CoverageMethod
{
    /// <summary>A value opened with a private key: certain.</summary>
    Trial,

    /// <summary>From the <c>gitops-secrets.io/sealing-key</c> annotation: what <c>seal</c>/<c>reseal</c> recorded.</summary>
    Annotation,

    /// <summary>Neither: no private key opened it and no known key is named.</summary>
    Unknown,
}

/// <summary>One SealedSecret and the key it depends on (null when unknown). <paramref name="Hint"/> is the annotation, if any.</summary>
public sealed record ManifestCoverage(string File, int Document, string Name, SealingKey? Key, CoverageMethod Method, string? Hint, string? Error)
{
    /// <summary>Zero-based index in the document's <c>items</c> when the SealedSecret is an item of a List.</summary>
    public int? Item { get; init; }

    public string Where => Item is { } item ? $"{File} (document {Document + 1}, items[{item}])" : $"{File} (document {Document + 1})";
}

/// <summary>One key and the manifests still sealed to it.</summary>
public sealed record KeyUse(SealingKey Key, bool Newest, IReadOnlyList<ManifestCoverage> Manifests);

public sealed record CoverageReport(IReadOnlyList<ManifestCoverage> Manifests, IReadOnlyList<KeyUse> Keys)
{
    public IEnumerable<ManifestCoverage> Unknown => Manifests.Where(m => m.Key is null);
}

/// <summary>
/// Which key each SealedSecret under some paths was sealed to, and so which keys are still needed: by
/// opening one value with the private keys when there are any (one RSA operation per manifest), else
/// by the sealing-key annotation, which works with certificates alone.
/// </summary>
public sealed class KeyCoverage(ValueCipher cipher)
{
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes(SealedSecret.Kind);

    /// <summary>Called after each file with the number of files done and the total.</summary>
    public Action<int, int>? Progress { get; init; }

    public CoverageReport Run(IReadOnlyList<string> files, KeyRing keys)
    {
        var manifests = new List<ManifestCoverage>();
        var done = 0;
        foreach (var file in files)
        {
            // Files done before this one: a file may end the iteration early (no SealedSecret, unreadable).
            Progress?.Invoke(done++, files.Count);
            IReadOnlyList<ManifestDocument> documents;
            try
            {
                var content = BoundedInput.ReadFile(file);
                if (content.AsSpan().IndexOf(Marker) < 0)
                {
                    continue;
                }

                documents = ManifestReader.Read(content, file);
            }
            catch (ManifestException e)
            {
                manifests.Add(new ManifestCoverage(file, e.Location?.Document ?? 0, "(unreadable)", null, CoverageMethod.Unknown, null, e.Message));
                continue;
            }

            foreach (var document in documents)
            {
                IReadOnlyList<ManifestDocument> sealedSecrets;
                try
                {
                    sealedSecrets = SealedSecretManifest.SealedSecretsIn(document);
                }
                catch (ManifestException e)
                {
                    manifests.Add(new ManifestCoverage(file, document.Location.Document, "(unreadable)", null, CoverageMethod.Unknown, null, e.Message));
                    continue;
                }

                // The items of a List (kubectl get sealedsecrets -o yaml) count one by one, each located at its item.
                manifests.AddRange(sealedSecrets.Select(s => Cover(s, keys) with { Item = s.Location.Item }));
            }
        }

        Progress?.Invoke(files.Count, files.Count);
        var uses = keys.Keys
            .Select(k => new KeyUse(k, k == keys.Newest, manifests.Where(m => m.Key == k).ToList()))
            .ToList();
        return new CoverageReport(manifests, uses);
    }

    private ManifestCoverage Cover(ManifestDocument document, KeyRing keys)
    {
        var location = document.Location;
        SealedSecret sealedSecret;
        try
        {
            sealedSecret = SealedSecretManifest.Read(document);
        }
        catch (ManifestException e)
        {
            return new ManifestCoverage(location.File, location.Document, "(unreadable)", null, CoverageMethod.Unknown, null, e.Message);
        }

        var name = sealedSecret.Metadata.QualifiedName;
        sealedSecret.Metadata.Annotations.TryGetValue(Unsealer.SealingKeyAnnotation, out var hint);
        var hinted = hint is null ? null : keys.Find(hint);
        if (keys.UnsealingKeys.Any() && sealedSecret.EncryptedData.Count > 0)
        {
            var opened = cipher.TryOpen(keys.UnsealingKeys, sealedSecret.Label, sealedSecret.EncryptedData.First().Value, hinted);
            if (opened is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(opened.Plaintext);
                return new ManifestCoverage(location.File, location.Document, name, opened.Key, CoverageMethod.Trial, hint, null);
            }

            // No private key opened it: a key we only hold the certificate of may still be named.
            if (hinted is { CanUnseal: false })
            {
                return new ManifestCoverage(location.File, location.Document, name, hinted, CoverageMethod.Annotation, hint, null);
            }

            return new ManifestCoverage(location.File, location.Document, name, null, CoverageMethod.Unknown, hint, null);
        }

        return hinted is null
            ? new ManifestCoverage(location.File, location.Document, name, null, CoverageMethod.Unknown, hint, null)
            : new ManifestCoverage(location.File, location.Document, name, hinted, CoverageMethod.Annotation, hint, null);
    }
}
