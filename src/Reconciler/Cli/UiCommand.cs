using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Ui;
using Microsoft.Extensions.Hosting;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>ui</c>: serves the seal page locally, sealing with a certificate from a file or URL (a worker's
/// <c>/v1/cert.pem</c>), read once at start. The browser seals; this server never receives a value.
/// </summary>
public sealed class UiCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public const string DefaultListen = "127.0.0.1:8080";

    private readonly Option<string?> _cert = shared.Cert();
    private readonly Option<string?> _listen = new("--listen") { Description = $"Address to serve the page on: HOST:PORT, :PORT or an http:// URL; default {DefaultListen} (loopback only)", HelpName = "address" };

    public override Command Build()
    {
        var command = new Command("ui", "Serve the seal page (sealing happens in the browser) with a certificate from --cert");
        command.Options.Add(_cert);
        command.Options.Add(_listen);
        command.SetAction(Handler(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var cert = parse.GetValue(_cert) ?? Host.GetEnvironmentVariable("SEALED_SECRETS_CERT")
            ?? throw new UsageException("ui needs --cert FILE|URL (the certificate to seal with, e.g. a worker's /v1/cert.pem)");
        var listen = parse.GetValue(_listen) ?? DefaultListen;
        if (!ListenAddress.TryToUrl(listen, out var url))
        {
            throw new UsageException($"--listen: \"{listen}\" is not an address (examples: {ListenAddress.Examples})");
        }

        using var key = await Get<CertificateLoader>(services).LoadAsync(cert, cancellationToken);
        await using var app = LocalUiServer.Build(key, url);
        await app.StartAsync(cancellationToken);
        await Host.Out.WriteLineAsync($"Serving the seal page on {LocalUiServer.PageAddress(app)} (certificate {key.ShortFingerprint}); Ctrl+C stops it");
        await Host.Out.FlushAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Success;
    }
}
