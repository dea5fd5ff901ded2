using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Keys;

public sealed class CertificateLoaderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _temp.Dispose();
    }

    private CertificateLoader Loader(DateTimeOffset? now = null) => new(_http, new FakeTimeProvider(now ?? Now));

    [Fact]
    public async Task LoadAsync_FilePath_GivesASealOnlyKey()
    {
        var path = _temp.Write("cert.pem", SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(path, CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
        key.CanUnseal.ShouldBeFalse();
        key.Name.ShouldBe(path);
    }

    [Theory]
    [InlineData("cert#1.pem")]
    [InlineData("cert%201.pem")]
    [InlineData("cert?.pem")]
    public async Task LoadAsync_AbsolutePathWithUrlCharacters_IsTheFileItNames(string name)
    {
        var path = _temp.Write(name, SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(path, CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
    }

    [Fact]
    public async Task LoadAsync_RelativePath_IsRead()
    {
        var path = _temp.Write("relative.pem", SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(Path.GetRelativePath(Environment.CurrentDirectory, path), CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
    }

    [Fact]
    public async Task LoadAsync_FileUrl_IsRead()
    {
        var path = _temp.Write("cert.pem", SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(new Uri(path).AbsoluteUri, CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
    }

    [Fact]
    public async Task LoadAsync_MissingFile_IsAnInputError()
    {
        var missing = _temp.File("none.pem");

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(missing, CancellationToken.None))).Message
            .ShouldBe($"{missing}: no such certificate file");
    }

    [Fact]
    public async Task LoadAsync_NotACertificate_IsAnInputError()
    {
        var path = _temp.Write("cert.pem", SmallKeys.Third.PrivateKey);

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(path, CancellationToken.None))).Message
            .ShouldStartWith($"{path}: not a PEM certificate with an RSA key (");
    }

    [Fact]
    public async Task LoadAsync_ExpiredCertificate_IsRefusedWithKubesealsMessage()
    {
        var path = _temp.Write("expired.pem", SmallKeys.Expired.Certificate);

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(path, CancellationToken.None))).Message
            .ShouldBe($"{path}: failed to encrypt using an expired certificate on March 31, 2025");
    }

    [Fact]
    public async Task LoadAsync_AtTheExactExpiry_IsStillValid()
    {
        var path = _temp.Write("expired.pem", SmallKeys.Expired.Certificate);
        var notAfter = SmallKeys.SecondNotBefore + TimeSpan.FromDays(30);

        using var key = await Loader(notAfter).LoadAsync(path, CancellationToken.None);
        key.Certificate!.NotAfter.ToUniversalTime().ShouldBe(notAfter.UtcDateTime);

        await Should.ThrowAsync<InputException>(() => Loader(notAfter.AddSeconds(1)).LoadAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task LoadAsync_HttpUrl_FetchesFromTheServer()
    {
        await using var server = await CertificateServer.StartAsync(SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(server.Url("/v1/cert.pem"), CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
        server.Requests.ShouldBe(["/v1/cert.pem"]);
    }

    [Fact]
    public async Task LoadAsync_HttpExpiredCertificate_IsRefused()
    {
        await using var server = await CertificateServer.StartAsync(SmallKeys.Expired.Certificate);
        var url = server.Url("/v1/cert.pem");

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(url, CancellationToken.None))).Message
            .ShouldBe($"{url}: failed to encrypt using an expired certificate on March 31, 2025");
    }

    [Fact]
    public async Task LoadAsync_HttpError_IsAnInputErrorWithTheStatus()
    {
        await using var server = await CertificateServer.StartAsync(SmallKeys.Third.Certificate);
        var url = server.Url("/missing");

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(url, CancellationToken.None))).Message
            .ShouldBe($"{url}: fetching the certificate failed: HTTP 404 Not Found");
    }

    [Fact]
    public async Task LoadAsync_NothingListening_IsAnInputError()
    {
        using var nothingListening = new RefusingPort();
        var url = $"{nothingListening.Url}/v1/cert.pem";

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(url, CancellationToken.None))).Message
            .ShouldStartWith($"{url}: fetching the certificate failed: ");
    }

    [Fact]
    public void EnsureValid_KeyWithoutCertificate_IsAccepted()
    {
        using var key = SmallKeys.PrivateOnly(SmallKeys.Expired, "k");

        Should.NotThrow(() => Loader().EnsureValid(key, "k"));
    }

    /// <summary>A real HTTP server on loopback that serves one certificate at /v1/cert.pem.</summary>
    private sealed class CertificateServer : IAsyncDisposable
    {
        private readonly string _pem;
        private LoopbackHttpServer? _server;

        private CertificateServer(string pem) => _pem = pem;

        public List<string> Requests { get; } = [];

        public static async Task<CertificateServer> StartAsync(string pem)
        {
            var server = new CertificateServer(pem);
            server._server = await LoopbackHttpServer.StartAsync(server.HandleAsync);
            return server;
        }

        public string Url(string path) => _server!.Url + path;

        public ValueTask DisposeAsync() => _server!.DisposeAsync();

        private async Task HandleAsync(HttpContext context)
        {
            var path = context.Request.Path.Value ?? string.Empty;
            lock (Requests)
            {
                Requests.Add(path);
            }

            if (path == "/v1/cert.pem")
            {
                context.Response.ContentType = "application/x-pem-file";
                await context.Response.WriteAsync(_pem, Encoding.UTF8);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        }
    }
}
