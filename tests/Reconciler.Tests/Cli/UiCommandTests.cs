using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// <c>ui</c>'s refusals before it serves anything. The page it serves is tested in a real browser
/// (Ui/SealPageTests, through <see cref="GitOpsSecrets.Ui.LocalUiServer"/>, which the command runs).
/// </summary>
public sealed class UiCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Ui_WithoutCert_IsAUsageError()
    {
        var result = await _cli.RunAsync("ui");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: ui needs --cert FILE|URL (the certificate to seal with, e.g. a worker's /v1/cert.pem)\n");
    }

    [Fact]
    public async Task Ui_ExpiredCertificate_IsRefusedAsSealRefusesIt()
    {
        var expired = _temp.Write("expired.pem", TestKeys.ExpiredCertificatePem);

        var result = await _cli.RunAsync("ui", "--cert", expired);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("failed to encrypt using an expired certificate on");
    }

    [Fact]
    public async Task Ui_BadListenAddress_IsAUsageError()
    {
        var result = await _cli.RunAsync("ui", "--cert", Vectors.Path("sealing-key.crt.pem"), "--listen", "nowhere");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("--listen: \"nowhere\" is not an address");
    }

    public void Dispose() => _temp.Dispose();
}
