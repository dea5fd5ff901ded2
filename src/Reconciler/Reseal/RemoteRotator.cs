using System.Net.Http.Headers;
using System.Text;
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
public sealed class RemoteRotator(HttpClient http, Uri baseUri) : ISealedSecretRotator
{
    private string? _newest;

    public string Description => new Uri(baseUri, "v1/rotate").ToString();

    public async Task<string> NewestFingerprintAsync(CancellationToken cancellationToken)
    {
        if (_newest is not null)
        {
            return _newest;
        }

        var uri = new Uri(baseUri, "v1/cert.pem");
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
        var pem = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InputException($"{uri}: fetching the certificate failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        using var key = KeyMaterialReader.ReadCertificate(pem, uri.ToString());
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

        var body = ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "v1/rotate"))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        using var response = await SendAsync(request, cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The worker's error bodies name keys, never values; keep the first line short anyway.
            var reason = Encoding.UTF8.GetString(answer).Split('\n', 2)[0].Trim();
            return Rotation.Failed($"{Description}: HTTP {(int)response.StatusCode}{(reason.Length > 0 ? ": " + (reason.Length > 200 ? reason[..200] : reason) : string.Empty)}");
        }

        SealedSecret rotated;
        try
        {
            rotated = SealedSecretManifest.Read(ManifestReader.ReadSingle(answer, Description));
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

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new InputException($"{request.RequestUri}: {e.Message}");
            }
        }
    }
}
