using GitOpsSecrets.Git;

namespace GitOpsSecrets.Tests.Git;

/// <summary>https token auth, exercised over real smart HTTP (git http-backend) on loopback.</summary>
public sealed class GitHttpTests : IAsyncLifetime
{
    private const string Token = "planted-token-9c1e5b";
    private readonly RemoteRepository _remote = new();
    private GitHttpServer _server = null!;

    private string Url => $"{_server.BaseUrl}/remote.git";

    public async Task InitializeAsync() =>
        _server = await GitHttpServer.StartAsync(Path.GetDirectoryName(_remote.BarePath)!, Token);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _remote.Dispose();
    }

    [Fact]
    public async Task Fetch_WithTheToken_ChecksOutOverHttp()
    {
        var commit = _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = new GitRepositoryCache(Url, "main", _remote.Scratch("cache"), new GitAuth(TokenFile: TokenFile(Token + "\n"), Username: "robot"));

        var checkout = await cache.FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(commit);
        File.ReadAllText(Path.Combine(checkout.WorkTree, "a.yaml")).ShouldBe("a: 1\n");
        _server.ReceivedUsers.ShouldContain("robot", "the configured user name goes with the token");
    }

    [Fact]
    public async Task Fetch_WrongToken_FailsNamingAuthenticationAndNeverShowsTheToken()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var tokenFile = TokenFile("wrong-token-4d2a");
        var cache = new GitRepositoryCache(Url, "main", _remote.Scratch("cache"), new GitAuth(TokenFile: tokenFile));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"fetch {Url}: https authentication failed: the server rejected the token from {tokenFile} (user git)");
        error.ToString().ShouldNotContain("wrong-token-4d2a");
        error.ToString().ShouldNotContain(Token);
    }

    [Fact]
    public async Task Fetch_NoTokenConfigured_SaysSo()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = new GitRepositoryCache(Url, "main", _remote.Scratch("cache"));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"fetch {Url}: https authentication failed: the server asks for credentials and no token file is configured");
    }

    [Fact]
    public async Task Fetch_TokenInTheUrl_IsScrubbedFromDescriptionAndErrors()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var url = Url.Replace("http://", $"http://x-access-token:{Token}@", StringComparison.Ordinal);
        var cache = new GitRepositoryCache(url, "nope", _remote.Scratch("cache"));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"unknown ref nope in {Url}: no branch, tag or fetched commit has that name");
        cache.Description.ShouldBe(Url);
        error.ToString().ShouldNotContain(Token);
    }

    [Fact]
    public async Task Write_PushOverHttpWithToken_LandsOnTheRemote()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        GitCli.Run(clone, "remote", "add", "http", Url);
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");

        var result = await new GitWriter(TimeProvider.System).CommitAndPushAsync(
            new GitWriteRequest
            {
                WorkTree = clone,
                Branch = "main",
                AuthorName = "Reseal Bot",
                AuthorEmail = "bot@example.test",
                Message = "reseal a.yaml",
                Paths = ["a.yaml"],
                Remote = "http",
                Auth = new GitAuth(TokenFile: TokenFile(Token)),
            },
            CancellationToken.None);

        result.Pushed.ShouldBeTrue();
        _remote.RemoteRef("main").ShouldBe(result.Commit);
    }

    [Fact]
    public async Task CloneOrUpdate_OverHttpWithToken_TheWriteBackClonePushes_TokenNeverStored()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var directory = _remote.Scratch("write-back");

        var result = await GitWorkTreesTests.PublishFileAsync(Url, new GitAuth(TokenFile: TokenFile(Token)), directory, "cert.pem", "one\n");

        result.Pushed.ShouldBeTrue();
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        foreach (var file in Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/objects/", StringComparison.Ordinal)))
        {
            File.ReadAllText(file).ShouldNotContain(Token, customMessage: $"{file} holds the token");
        }
    }

    private string TokenFile(string content)
    {
        var path = Path.Combine(_remote.Scratch("secrets"), Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(path, content);
        return path;
    }
}
