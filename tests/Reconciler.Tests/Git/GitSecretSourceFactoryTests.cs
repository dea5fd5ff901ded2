using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Git;

public sealed class GitSecretSourceFactoryTests : IDisposable
{
    private readonly RemoteRepository _remote = new();

    public void Dispose() => _remote.Dispose();

    [Fact]
    public void CacheLocation_NoCacheDir_IsUnderXdgCacheHomeByUrlHash()
    {
        var location = new GitCacheLocation(name => name == "XDG_CACHE_HOME" ? "/xdg" : "/home/u");

        var a = location.For("https://example.test/a.git");

        a.ShouldStartWith("/xdg/gitops-secrets/");
        Path.GetFileName(a).Length.ShouldBe(16);
        location.For("https://example.test/b.git").ShouldNotBe(a, "each repository gets its own clone");
        new GitCacheLocation(name => name == "HOME" ? "/home/u" : null).For("https://example.test/a.git")
            .ShouldBe("/home/u/.cache/gitops-secrets/" + Path.GetFileName(a));
    }

    [Fact]
    public async Task Create_FromConfiguration_FetchesTheConfiguredRefIntoTheCacheDir()
    {
        var commit = _remote.Commit("first", "a.yaml", "a: 1\n", branch: "release");
        var cacheDir = _remote.Scratch("cache");
        var factory = new GitSecretSourceFactory(new GitCacheLocation(_ => null));

        var source = factory.Create(new SourceConfiguration { Url = "file://" + _remote.BarePath, Ref = "release", CacheDir = cacheDir });
        var snapshot = await source.FetchAsync(CancellationToken.None);

        snapshot.ShouldBe(new SourceSnapshot($"release@sha1:{commit}", commit, Path.Combine(cacheDir, "repo")));
        source.Description.ShouldBe("file://" + _remote.BarePath);
    }

    [Fact]
    public void CliServices_ResolveTheGitSourceFactoryAndWriter()
    {
        var host = new GitOpsSecrets.Cli.CliHost
        {
            OpenStandardInput = () => Stream.Null,
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            Environment = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = _remote.Scratch("xdg") },
        };
        using var services = host.CreateServices(CryptoEngine.BouncyCastle);

        services.GetRequiredService<ISecretSourceFactory>().ShouldBeOfType<GitSecretSourceFactory>();
        services.GetRequiredService<IGitWriter>().ShouldBeOfType<GitWriter>();
        services.GetRequiredService<GitCacheLocation>().For("x").ShouldStartWith(Path.Combine(_remote.Scratch("xdg"), "gitops-secrets"));
    }
}
