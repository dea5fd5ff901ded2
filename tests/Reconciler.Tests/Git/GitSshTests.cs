using GitOpsSecrets.Git;

namespace GitOpsSecrets.Tests.Git;

/// <summary>ssh remotes through libgit2's exec transport (the system ssh) against a real sshd on loopback.</summary>
public sealed class GitSshTests(SshServer server) : IClassFixture<SshServer>, IDisposable
{
    private readonly RemoteRepository _remote = new();

    private SshServer Server => server;

    public void Dispose() => _remote.Dispose();

    [SshFact]
    public async Task Fetch_AuthorizedKeyAndKnownHost_ChecksOutOverSsh()
    {
        var commit = _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = Cache(new GitAuth(SshKeyFile: Server.AuthorizedKey, KnownHostsFile: Server.KnownHosts));

        var checkout = await cache.FetchAsync(CancellationToken.None);
        var again = _remote.Commit("second", "a.yaml", "a: 2\n");
        var second = await cache.FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(commit);
        second.Commit.ShouldBe(again);
        File.ReadAllText(Path.Combine(second.WorkTree, "a.yaml")).ShouldBe("a: 2\n");
    }

    [SshFact]
    public async Task Fetch_KeyNotAuthorized_FailsWithAnAuthenticationError()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = Cache(new GitAuth(SshKeyFile: Server.UnknownKey, KnownHostsFile: Server.KnownHosts));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"fetch {Server.UrlFor(_remote.BarePath)}: ssh authentication failed: the server rejected key {Server.UnknownKey}");
    }

    [SshFact]
    public async Task Fetch_HostKeyNotInKnownHosts_FailsWithAHostKeyError()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = Cache(new GitAuth(SshKeyFile: Server.AuthorizedKey, KnownHostsFile: Server.WrongKnownHosts));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"fetch {Server.UrlFor(_remote.BarePath)}: ssh host key verification failed: the server's host key is not in known_hosts file {Server.WrongKnownHosts} (host keys are never trusted on first use)");
    }

    [SshFact]
    public async Task Write_PushOverSsh_LandsOnTheRemoteAndLeavesTheCloneConfigAlone()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        GitCli.Run(clone, "remote", "set-url", "origin", Server.UrlFor(_remote.BarePath));
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
                Auth = new GitAuth(SshKeyFile: Server.AuthorizedKey, KnownHostsFile: Server.KnownHosts),
            },
            CancellationToken.None);

        result.Pushed.ShouldBeTrue();
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        File.ReadAllText(Path.Combine(clone, ".git", "config")).ShouldNotContain("sshCommand", Case.Insensitive, "the temporary ssh program is removed from the clone's config");
    }

    [SshFact]
    public async Task CloneOrUpdate_OverSsh_TheWriteBackClonePushesWithTheSameAuth()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var auth = new GitAuth(SshKeyFile: Server.AuthorizedKey, KnownHostsFile: Server.KnownHosts);
        var directory = _remote.Scratch("write-back");

        var first = await GitWorkTreesTests.PublishFileAsync(Server.UrlFor(_remote.BarePath), auth, directory, "cert.pem", "one\n");
        GitCli.Run(_remote.AuthorPath, "pull", "--quiet", "--ff-only", "origin", "main");
        var moved = _remote.Commit("meanwhile", "b.yaml", "b: 1\n");
        var second = await GitWorkTreesTests.PublishFileAsync(Server.UrlFor(_remote.BarePath), auth, directory, "cert.pem", "two\n");

        first.Pushed.ShouldBeTrue();
        second.Pushed.ShouldBeTrue();
        _remote.RemoteRef("main").ShouldBe(second.Commit);
        _remote.RemoteRef("main~1").ShouldBe(moved, "the second publish fetched the moved branch first");
    }

    private GitRepositoryCache Cache(GitAuth auth) =>
        new(Server.UrlFor(_remote.BarePath), "main", _remote.Scratch("cache-" + Guid.NewGuid().ToString("N")[..8]), auth);
}
