using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// Bitnami's controller HTTP API as kubeseal calls it, and as our worker serves it: the newest
/// certificate at <c>/v1/cert.pem</c>, and <c>/v1/verify</c> and <c>/v1/rotate</c>, which each take one
/// SealedSecret as JSON. The base URI is the controller itself or its Service through the Kubernetes API
/// server's proxy; this class does not care which.
/// </summary>
public sealed class ControllerClient(HttpClient http, Uri baseUri, TimeProvider? time = null)
{
    /// <summary>Bitnami's controller (and our worker) allow 2 verify or rotate requests a second, bursts of 2.</summary>
    private const int RateLimitedAttempts = 6;

    public Uri CertificateUri { get; } = new(baseUri, "v1/cert.pem");

    public Uri VerifyUri { get; } = new(baseUri, "v1/verify");

    public Uri RotateUri { get; } = new(baseUri, "v1/rotate");

    /// <summary>The PEM text <c>/v1/cert.pem</c> serves, as served; anything but 200 is an error naming the URL.</summary>
    public async Task<string> FetchCertificateAsync(CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, CertificateUri);
        request.Headers.Accept.ParseAdd("application/x-pem-file, */*");
        using var response = await SendAsync(request, cancellationToken);
        var pem = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? pem
            : throw new InputException($"{CertificateUri}: fetching the certificate failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    /// <summary>Posts the SealedSecret as JSON to <paramref name="endpoint"/> (<see cref="VerifyUri"/> or <see cref="RotateUri"/>).</summary>
    public async Task<ControllerAnswer> PostAsync(Uri endpoint, SealedSecret sealedSecret, CancellationToken cancellationToken)
    {
        var body = ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret));
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            using var response = await SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == RateLimitedAttempts)
            {
                return new ControllerAnswer(endpoint, (int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
            }

            // Many SealedSecrets in one run meet the controller's rate limit: wait as told (else a second) and retry.
            var wait = response.Headers.RetryAfter?.Delta is { } delta && delta <= TimeSpan.FromSeconds(10) ? delta : TimeSpan.FromSeconds(1);
            await Task.Delay(wait, time ?? TimeProvider.System, cancellationToken);
        }
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
                throw new InputException($"{request.RequestUri}: {e.Message}", e);
            }
        }
    }
}

/// <summary>What the controller answered to a posted SealedSecret: the status and the body.</summary>
public sealed record ControllerAnswer(Uri Endpoint, int Status, byte[] Body)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>
    /// The first line of the body, at most 200 characters, for an error message. The worker's error
    /// bodies name keys, never values, and a 409 from verify or rotate has no body at all.
    /// </summary>
    public string Reason
    {
        get
        {
            var line = Encoding.UTF8.GetString(Body).Split('\n', 2)[0].Trim();
            return line.Length > 200 ? line[..200] : line;
        }
    }

    /// <summary>"HTTP 409" or "HTTP 500: the reason", naming the endpoint.</summary>
    public string Describe() => $"{Endpoint}: HTTP {Status}{(Reason.Length > 0 ? ": " + Reason : string.Empty)}";
}
