using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>Why a SealedSecret did not open; messages never carry values.</summary>
public enum UnsealFailure
{
    None,
    NoKeyCouldDecrypt,
    Template,
}

/// <summary>The Secret a SealedSecret opened to, or why it did not (then there is no Secret at all).</summary>
public sealed record UnsealResult(Secret? Secret, UnsealFailure Failure, string? Error, IReadOnlyList<string> FailedKeys, IReadOnlyDictionary<string, CipherKey> OpenedBy)
{
    public bool Succeeded => Secret is not null;
}

/// <summary>
/// Opens SealedSecrets with the keys of a ring (newest first). All or nothing: if any value fails to open, no Secret is
/// produced, so a partly readable SealedSecret can never overwrite a good Secret with fewer keys.
/// </summary>
public sealed class Unsealer(ValueCipher cipher)
{
    /// <summary>Top-level annotation naming the key a SealedSecret was sealed to (a hint, never trusted).</summary>
    public const string SealingKeyAnnotation = "gitops-secrets.io/sealing-key";

    public UnsealResult Unseal(SealedSecret sealedSecret, IUnsealingKeys keys)
    {
        var label = sealedSecret.Label;
        var preferred = sealedSecret.Metadata.Annotations.TryGetValue(SealingKeyAnnotation, out var hint) && hint.Length >= 12 ? keys.Find(hint) : null;
        var data = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var openedBy = new Dictionary<string, CipherKey>(StringComparer.Ordinal);
        var failed = new List<string>();
        foreach (var (key, value) in sealedSecret.EncryptedData)
        {
            var opened = cipher.TryOpen(keys.UnsealingKeys, label, value, preferred);
            if (opened is null)
            {
                failed.Add(key);
                continue;
            }

            data[key] = opened.Plaintext;
            openedBy[key] = opened.Key;
            preferred ??= opened.Key; // the other values were almost certainly sealed to the same key
        }

        if (failed.Count > 0)
        {
            return new UnsealResult(null, UnsealFailure.NoKeyCouldDecrypt, $"no key could decrypt secret ({string.Join(", ", failed)})", failed, openedBy);
        }

        var secret = new Secret
        {
            Metadata = sealedSecret.Template.Metadata.Clone(),
            Type = string.IsNullOrEmpty(sealedSecret.Template.Type) ? Secret.DefaultType : sealedSecret.Template.Type,
            Immutable = sealedSecret.Template.Immutable,
            Data = data,
        };

        // The label bound these values to the top-level name and namespace; the Secret must carry them.
        secret.Metadata.Name = sealedSecret.Metadata.Name;
        secret.Metadata.Namespace = sealedSecret.Metadata.Namespace;
        foreach (var field in ObjectMetadata.ServerSetFields)
        {
            secret.Metadata.Other.Remove(field);
        }

        try
        {
            var values = new Dictionary<string, byte[]>(data, StringComparer.Ordinal);
            foreach (var (key, template) in sealedSecret.Template.Data)
            {
                secret.Data[key] = TemplateRenderer.Render(key, template, values);
            }
        }
        catch (TemplateException e)
        {
            return new UnsealResult(null, UnsealFailure.Template, e.Message, [], openedBy);
        }

        return new UnsealResult(secret, UnsealFailure.None, null, [], openedBy);
    }
}
