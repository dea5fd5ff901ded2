using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>
/// Rotation with private keys on this machine: every value is opened by trial (the annotation is only a
/// hint) and only values not already sealed to the newest key are re-encrypted.
/// </summary>
public sealed class LocalRotator(Sealer sealer, KeyRing keys) : ISealedSecretRotator
{
    private readonly SealingKey _newest = keys.Newest
        ?? throw new InputException("no certificate among the keys: cannot tell which key is newest (give key Secrets or certificate files with the private keys)");

    public string Description => "local keys";

    public SealingKey Newest => _newest;

    public Task<string> NewestFingerprintAsync(CancellationToken cancellationToken) => Task.FromResult(_newest.Fingerprint);

    public Task<Rotation> RotateAsync(SealedSecret sealedSecret, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_newest.CanUnseal
            && sealedSecret.Metadata.Annotations.TryGetValue(Unsealer.SealingKeyAnnotation, out var hint)
            && hint == _newest.Fingerprint)
        {
            // Only the newest key's certificate is here (CI with the new certificate and the old private
            // keys): what is annotated with it cannot be opened to check, and is taken as current, as the
            // worker path does. A wrong annotation only makes this run skip it; it never loses a value.
            return Task.FromResult(new Rotation(new Dictionary<string, string>(), [hint], null));
        }

        var copy = sealedSecret.Clone();
        var result = sealer.Reseal(copy, keys, _newest);
        if (result.Error is not null)
        {
            return Task.FromResult(Rotation.Failed(result.Error));
        }

        var values = result.Rewritten.ToDictionary(k => k, k => copy.EncryptedData[k], StringComparer.Ordinal);
        return Task.FromResult(new Rotation(values, result.SealedBy, null));
    }
}
