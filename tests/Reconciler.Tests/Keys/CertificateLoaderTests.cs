using System.Net;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
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
        using var server = new CertificateServer(SmallKeys.Third.Certificate);

        using var key = await Loader().LoadAsync(server.Url("/v1/cert.pem"), CancellationToken.None);

        key.Fingerprint.ShouldBe(SmallKeys.Third.Fingerprint);
        server.Requests.ShouldBe(["/v1/cert.pem"]);
    }

    [Fact]
    public async Task LoadAsync_HttpExpiredCertificate_IsRefused()
    {
        using var server = new CertificateServer(SmallKeys.Expired.Certificate);
        var url = server.Url("/v1/cert.pem");

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(url, CancellationToken.None))).Message
            .ShouldBe($"{url}: failed to encrypt using an expired certificate on March 31, 2025");
    }

    [Fact]
    public async Task LoadAsync_HttpError_IsAnInputErrorWithTheStatus()
    {
        using var server = new CertificateServer(SmallKeys.Third.Certificate);
        var url = server.Url("/missing");

        (await Should.ThrowAsync<InputException>(() => Loader().LoadAsync(url, CancellationToken.None))).Message
            .ShouldBe($"{url}: fetching the certificate failed: HTTP 404 Not Found");
    }

    [Fact]
    public async Task LoadAsync_NothingListening_IsAnInputError()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}/v1/cert.pem";

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
    private sealed class CertificateServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _port = FreePort.Next();
        private readonly Task _loop;
        private readonly string _pem;

        public CertificateServer(string pem)
        {
            _pem = pem;
            _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public List<string> Requests { get; } = [];

        public string Url(string path) => $"http://127.0.0.1:{_port}{path}";

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                var path = context.Request.Url!.AbsolutePath;
                lock (Requests)
                {
                    Requests.Add(path);
                }

                if (path == "/v1/cert.pem")
                {
                    var body = Encoding.UTF8.GetBytes(_pem);
                    context.Response.ContentType = "application/x-pem-file";
                    await context.Response.OutputStream.WriteAsync(body);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }

                context.Response.Close();
            }
        }
    }
}
