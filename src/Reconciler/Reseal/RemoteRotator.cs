using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>
/// Rotation through a worker (or a Bitnami controller) with Bitnami's endpoints: the newest key is the one
/// <c>/v1/cert.pem</c> serves; <c>/v1/rotate</c> takes a SealedSecret as JSON and answers it re-encrypted.
/// Without private keys, whether a SealedSecret is current is read from its sealing-key annotation, so a
/// current one costs no request. Only the encrypted values of the answer are used: the file keeps its
/// own metadata and template whatever the server returns.
/// </summary>
public sealed class RemoteRotator(ControllerClient controller) : ISealedSecretRotator
{
    private readonly ControllerClient _controller = controller;
    private string? _newest;

    public string Description => _controller.RotateUri.ToString();

    public async Task<string> NewestFingerprintAsync(CancellationToken cancellationToken)
    {
        if (_newest is not null)
        {
            return _newest;
        }

        var pem = await _controller.FetchCertificateAsync(cancellationToken);
        using var key = KeyMaterialReader.ReadCertificate(pem, _controller.CertificateUri.ToString());
        return _newest = key.Fingerprint;
    }

    public async Task<Rotation> RotateAsync(SealedSecret sealedSecret, CancellationToken cancellationToken)
    {
        var newest = await NewestFingerprintAsync(cancellationToken);
        sealedSecret.Metadata.Annotations.TryGetValue(Unsealer.SealingKeyAnnotation, out var hint);
        if (hint == newest)
        {
            return new Rotation(new Dictionary<string, string>(), [newest], null);
        }

        var answer = await _controller.PostAsync(_controller.RotateUri, sealedSecret, cancellationToken);
        if (!answer.Succeeded)
        {
            return Rotation.Failed(answer.Describe());
        }

        SealedSecret rotated;
        try
        {
            rotated = SealedSecretManifest.Read(ManifestReader.ReadSingle(answer.Body, Description));
        }
        catch (ManifestException e)
        {
            return Rotation.Failed($"{Description}: unexpected answer: {e.Reason}");
        }

        if (!rotated.EncryptedData.Keys.SequenceEqual(sealedSecret.EncryptedData.Keys, StringComparer.Ordinal))
        {
            return Rotation.Failed($"{Description}: the answer has other keys than the SealedSecret sent");
        }

        var previous = hint is { Length: > 0 } ? new[] { hint } : [];
        return new Rotation(rotated.EncryptedData.Where(p => sealedSecret.EncryptedData[p.Key] != p.Value).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), previous, null);
    }
}
