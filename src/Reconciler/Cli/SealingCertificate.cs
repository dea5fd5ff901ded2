using GitOpsSecrets.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Cli;

/// <summary>
/// The certificate a command seals with, found as <c>seal</c> finds it: <c>--cert</c> (file or URL), else
/// the controller through the API server (kubeseal's way), or <c>--controller-url</c>.
/// </summary>
public static class SealingCertificate
{
    public static async Task<SealingKey> LoadAsync(CliHost host, string? cert, ControllerTarget controller, IServiceProvider services, CancellationToken cancellationToken)
    {
        var loader = services.GetRequiredService<CertificateLoader>();
        if (cert is not null)
        {
            return await loader.LoadAsync(cert, cancellationToken);
        }

        using var connection = await ControllerConnection.OpenAsync(host, controller, services.GetRequiredService<HttpClient>(), "pass --cert FILE|URL or --controller-url URL instead", cancellationToken);
        return loader.Parse(await connection.Client.FetchCertificateAsync(cancellationToken), connection.Client.CertificateUri.ToString());
    }
}
