using System.Text;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Keys;

/// <summary>
/// Loads the certificate to seal with from where kubeseal's <c>--cert</c> accepts it: a file path,
/// a <c>file://</c> URL or an <c>http(s)://</c> URL (a worker's <c>/v1/cert.pem</c>), and refuses
/// an expired one, as kubeseal does.
/// </summary>
public sealed class CertificateLoader(HttpClient http, TimeProvider time)
{
    public async Task<SealingKey> LoadAsync(string source, CancellationToken cancellationToken) =>
        Parse(await ReadPemAsync(source, cancellationToken), source);

    /// <summary>The sealing key in PEM text that came from <paramref name="source"/> (named in errors); an expired one is refused.</summary>
    public SealingKey Parse(string pem, string source)
    {
        var key = KeyMaterialReader.ReadCertificate(pem, source);
        EnsureValid(key, source);
        return key;
    }

    public void EnsureValid(SealingKey key, string source)
    {
        var now = time.GetUtcNow();
        if (key.Certificate is { } certificate && certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            // kubeseal's message, with the date in its "January 2, 2006" layout.
            var message = $"{source}: failed to encrypt using an expired certificate on {certificate.NotAfter.ToUniversalTime().ToString("MMMM d, yyyy", System.Globalization.CultureInfo.InvariantCulture)}";
            key.Dispose();
            throw new InputException(message);
        }
    }

    /// <summary>The text at <paramref name="source"/> as it is, unparsed (what kubeseal's <c>--fetch-cert --cert</c> prints).</summary>
    public async Task<string> ReadPemAsync(string source, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            try
            {
                using var response = await http.GetAsync(uri, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InputException($"{source}: fetching the certificate failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                return await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new InputException($"{source}: fetching the certificate failed: {e.Message}");
            }
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : source;
        return File.Exists(path)
            ? Encoding.UTF8.GetString(await BoundedInput.ReadFileAsync(path, cancellationToken))
            : throw new InputException($"{source}: no such certificate file");
    }
}
