using System.Security.Cryptography;
using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>The outcome for one sealed document in a drill.</summary>
public enum DrillResult
{
    /// <summary>Every value opened and the template rendered: this key store can make the Secret.</summary>
    Opens,

    /// <summary>Some value opened with no key, or the template failed: the Secret could not be made.</summary>
    Fails,

    /// <summary>The file or document could not be read as a SealedSecret.</summary>
    Unreadable,
}

/// <summary>One sealed document: which key(s) opened it, or what failed and why (names only, never values).</summary>
public sealed record DrillDocument(string File, int Document, string Name, DrillResult Result, IReadOnlyList<SealingKey> OpenedBy, IReadOnlyList<string> FailedKeys, string? Error)
{
    public string Where => $"{File} (document {Document + 1})";
}

public sealed record DrillReport(IReadOnlyList<DrillDocument> Documents)
{
    public int Count(DrillResult result) => Documents.Count(d => d.Result == result);
}

/// <summary>
/// The recovery drill: could these keys decrypt every sealed document under some paths? Opens every
/// value of every SealedSecret as a sync would (all or nothing, templates rendered) and throws the
/// plaintext away at once; writes nothing.
/// </summary>
public sealed class KeyDrill(Unsealer unsealer)
{
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes(SealedSecret.Kind);

    public DrillReport Run(IReadOnlyList<string> files, KeyRing keys, Func<string, string>? display = null)
    {
        display ??= f => f;
        var documents = new List<DrillDocument>();
        foreach (var file in files)
        {
            IReadOnlyList<ManifestDocument> read;
            try
            {
                var content = BoundedInput.ReadFile(file);
                if (content.AsSpan().IndexOf(Marker) < 0)
                {
                    continue;
                }

                read = ManifestReader.Read(content, display(file));
            }
            catch (ManifestException e)
            {
                documents.Add(new DrillDocument(display(file), e.Location?.Document ?? 0, "(unreadable)", DrillResult.Unreadable, [], [], e.Message));
                continue;
            }

            documents.AddRange(read.Where(SealedSecretManifest.IsSealedSecret).Select(d => Drill(d, keys)));
        }

        return new DrillReport(documents);
    }

    private DrillDocument Drill(ManifestDocument document, KeyRing keys)
    {
        var location = document.Location;
        SealedSecret sealedSecret;
        try
        {
            sealedSecret = SealedSecretManifest.Read(document);
        }
        catch (ManifestException e)
        {
            return new DrillDocument(location.File, location.Document, "(unreadable)", DrillResult.Unreadable, [], [], e.Message);
        }

        var result = unsealer.Unseal(sealedSecret, keys);
        var openedBy = result.OpenedBy.Values.Cast<SealingKey>().Distinct().OrderBy(k => k.Name, StringComparer.Ordinal).ToList();
        if (result.Secret is { } secret)
        {
            foreach (var value in secret.Data.Values)
            {
                CryptographicOperations.ZeroMemory(value);
            }

            return new DrillDocument(location.File, location.Document, sealedSecret.Metadata.QualifiedName, DrillResult.Opens, openedBy, [], null);
        }

        var why = result.Failure == UnsealFailure.Template
            ? result.Error
            : keys.UnsealingKeys.Any() ? $"no key in the store opens {string.Join(", ", result.FailedKeys)}" : "the store holds no private key";
        return new DrillDocument(location.File, location.Document, sealedSecret.Metadata.QualifiedName, DrillResult.Fails, openedBy, result.FailedKeys, why);
    }
}
