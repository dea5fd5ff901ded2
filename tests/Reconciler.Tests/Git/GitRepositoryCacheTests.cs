using GitOpsSecrets.Git;

namespace GitOpsSecrets.Tests.Git;

public sealed class GitRepositoryCacheTests : IDisposable
{
    private readonly RemoteRepository _remote = new();

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task Fetch_FirstTime_ClonesAndChecksOutTheDefaultBranch()
    {
        var commit = _remote.Commit("first", "apps/a.yaml", "a: 1\n");
        var cache = Cache("HEAD");

        var checkout = await cache.FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(commit);
        checkout.Revision.ShouldBe($"HEAD@sha1:{commit}");
        File.ReadAllText(Path.Combine(checkout.WorkTree, "apps", "a.yaml")).ShouldBe("a: 1\n");
    }

    [Fact]
    public async Task Fetch_SecondTime_FetchesIntoTheSameCloneAndMovesToTheNewCommit()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var cache = Cache("main");
        var first = await cache.FetchAsync(CancellationToken.None);
        var marker = Path.Combine(first.WorkTree, ".git", "test-marker");
        File.WriteAllText(marker, "a re-clone would remove me");
        var second = _remote.Commit("second", "a.yaml", "a: 2\n");

        var checkout = await cache.FetchAsync(CancellationToken.None);

        File.Exists(marker).ShouldBeTrue("the second fetch must reuse the clone, not clone again");
        checkout.Commit.ShouldBe(second);
        checkout.Revision.ShouldBe($"main@sha1:{second}");
        File.ReadAllText(Path.Combine(checkout.WorkTree, "a.yaml")).ShouldBe("a: 2\n");
    }

    [Fact]
    public async Task Fetch_BranchTagAndCommitRefs_CheckOutThatRevision()
    {
        var onMain = _remote.Commit("main", "f.txt", "main\n");
        GitCli.Run(_remote.AuthorPath, "tag", "-a", "v1", "-m", "release 1");
        GitCli.Run(_remote.AuthorPath, "tag", "light");
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "origin", "v1", "light");
        var onMainLater = _remote.Commit("main later", "f.txt", "main later\n");
        var onFeature = _remote.Commit("feature", "f.txt", "feature\n", branch: "feature");

        (await Cache("feature").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onFeature);
        (await Cache("refs/heads/feature").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onFeature);
        (await Cache("v1").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onMain, "an annotated tag is peeled to its commit");
        (await Cache("light").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onMain);
        (await Cache("refs/tags/v1").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onMain);
        (await Cache(onMain).FetchAsync(CancellationToken.None)).Commit.ShouldBe(onMain);
        var abbreviated = await Cache(onMain[..10]).FetchAsync(CancellationToken.None);
        abbreviated.Commit.ShouldBe(onMain);
        abbreviated.Revision.ShouldBe($"{onMain[..10]}@sha1:{onMain}");
        File.ReadAllText(Path.Combine(abbreviated.WorkTree, "f.txt")).ShouldBe("main\n");
        (await Cache("HEAD").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onMainLater);
    }

    [Fact]
    public async Task Fetch_Head_FollowsTheRemotesDefaultBranch()
    {
        _remote.Commit("main", "f.txt", "main\n");
        var onRelease = _remote.Commit("release", "f.txt", "release\n", branch: "release");
        GitCli.Run(_remote.BarePath, "symbolic-ref", "HEAD", "refs/heads/release");

        var checkout = await Cache("HEAD").FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(onRelease);
        File.ReadAllText(Path.Combine(checkout.WorkTree, "f.txt")).ShouldBe("release\n");
    }

    [Fact]
    public async Task Fetch_UnknownRef_FailsNamingTheRef()
    {
        _remote.Commit("first", "f.txt", "x\n");

        var error = await Should.ThrowAsync<GitException>(() => Cache("no-such-branch").FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"unknown ref no-such-branch in {_remote.BarePath}: no branch, tag or fetched commit has that name");
    }

    [Fact]
    public async Task Fetch_EmptyRemoteOrDanglingHead_FailsAsAnUnknownRef()
    {
        var empty = await Should.ThrowAsync<GitException>(() => Cache("HEAD").FetchAsync(CancellationToken.None));
        empty.Message.ShouldBe($"unknown ref HEAD in {_remote.BarePath}: the remote has no default branch (is it empty?)");

        var onFeature = _remote.Commit("feature only", "f.txt", "x\n", branch: "feature");
        (await Cache("feature").FetchAsync(CancellationToken.None)).Commit.ShouldBe(onFeature, "a remote whose HEAD names a missing branch still serves its other branches");
        await Should.ThrowAsync<GitException>(() => Cache("HEAD").FetchAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Fetch_RemoteDeleted_FailsClearlyAndLeavesTheLastCheckoutIntact()
    {
        var commit = _remote.Commit("first", "apps/a.yaml", "a: 1\n");
        var cache = Cache("main");
        var good = await cache.FetchAsync(CancellationToken.None);
        Directory.Delete(_remote.BarePath, recursive: true);

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldBe($"fetch {_remote.BarePath}: remote unreachable: no repository at {_remote.BarePath}");
        error.Message.ShouldNotContain("\n");
        File.ReadAllText(Path.Combine(good.WorkTree, "apps", "a.yaml")).ShouldBe("a: 1\n", "the last good checkout stays usable");
        GitCli.Run(good.WorkTree, "rev-parse", "HEAD").ShouldBe(commit);
        GitCli.Run(good.WorkTree, "status", "--porcelain").ShouldBeEmpty();
    }

    [Fact]
    public async Task Fetch_UnreachableUrlWithCredentials_NeverShowsThem()
    {
        using var nothingListening = new TestSupport.RefusingPort();
        var url = $"http://someone:planted-password-7f3a@127.0.0.1:{nothingListening.Port}/repo.git";
        var cache = new GitRepositoryCache(url, "main", _remote.Scratch("cache-creds"));

        var error = await Should.ThrowAsync<GitException>(() => cache.FetchAsync(CancellationToken.None));

        error.Message.ShouldContain("remote unreachable");
        error.ToString().ShouldNotContain("planted-password-7f3a");
        error.ToString().ShouldNotContain("someone");
        cache.Description.ShouldBe(url.Replace("someone:planted-password-7f3a@", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fetch_StrayAndModifiedFilesInTheCache_AreRemovedOrRestored()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["a.yaml"] = "a: 1\n", [".gitignore"] = "*.tmp\n" });
        var cache = Cache("main");
        var checkout = await cache.FetchAsync(CancellationToken.None);
        File.WriteAllText(Path.Combine(checkout.WorkTree, "a.yaml"), "tampered\n");
        Directory.CreateDirectory(Path.Combine(checkout.WorkTree, "extra"));
        File.WriteAllText(Path.Combine(checkout.WorkTree, "extra", "stray.yaml"), "stray\n");
        File.WriteAllText(Path.Combine(checkout.WorkTree, "ignored.tmp"), "ignored\n");

        await cache.FetchAsync(CancellationToken.None);

        File.ReadAllText(Path.Combine(checkout.WorkTree, "a.yaml")).ShouldBe("a: 1\n");
        File.Exists(Path.Combine(checkout.WorkTree, "extra", "stray.yaml")).ShouldBeFalse();
        File.Exists(Path.Combine(checkout.WorkTree, "ignored.tmp")).ShouldBeFalse();
    }

    [Fact]
    public async Task ChangedPaths_AddModifyDeleteRename_ListsEveryTouchedPath()
    {
        var first = _remote.Commit("first", new Dictionary<string, string?>
        {
            ["keep.yaml"] = "keep\n",
            ["change.yaml"] = "old\n",
            ["gone.yaml"] = "gone\n",
            ["old/name.yaml"] = "moved content\n",
        });
        GitCli.Run(_remote.AuthorPath, "mv", "old/name.yaml", "new-name.yaml");
        var second = _remote.Commit("second", new Dictionary<string, string?>
        {
            ["change.yaml"] = "new\n",
            ["gone.yaml"] = null,
            ["apps/added.yaml"] = "added\n",
        });
        var cache = Cache("main");
        await cache.FetchAsync(CancellationToken.None);

        var changed = cache.ChangedPaths(first, second);

        changed.ShouldBe(["apps/added.yaml", "change.yaml", "gone.yaml", "new-name.yaml", "old/name.yaml"]);
        cache.ChangedPaths(second, second).ShouldBeEmpty();
        cache.ChangedPaths(second, first)!.ShouldContain("gone.yaml", "going back to an older commit is still a known difference");
    }

    [Fact]
    public async Task ChangedPaths_HistoryRewrittenOrCommitUnknown_IsNull()
    {
        var first = _remote.Commit("first", "a.yaml", "1\n");
        var doomed = _remote.Commit("doomed", "a.yaml", "2\n");
        var cache = Cache("main");
        await cache.FetchAsync(CancellationToken.None);
        GitCli.Run(_remote.AuthorPath, "reset", "--quiet", "--hard", first);
        File.WriteAllText(Path.Combine(_remote.AuthorPath, "a.yaml"), "rewritten\n");
        GitCli.Run(_remote.AuthorPath, "commit", "--quiet", "-am", "rewritten");
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "--force", "origin", "main");
        var rewritten = _remote.Head();

        var checkout = await cache.FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(rewritten);
        cache.ChangedPaths(doomed, rewritten).ShouldBeNull("after a force push the old commit is not an ancestor: read everything again");
        cache.ChangedPaths(new string('a', 40), rewritten).ShouldBeNull("a commit we never saw");
        cache.ChangedPaths("not-a-commit", rewritten).ShouldBeNull();
    }

    [Fact]
    public async Task Fetch_TwoCachesOnOneDirectoryAtOnce_BothSucceed()
    {
        var commit = _remote.Commit("first", "a.yaml", "1\n");
        var directory = _remote.Scratch("shared-cache");

        var results = await Task.WhenAll(
            new GitRepositoryCache(_remote.BarePath, "main", directory).FetchAsync(CancellationToken.None),
            new GitRepositoryCache(_remote.BarePath, "main", directory).FetchAsync(CancellationToken.None));

        results.ShouldAllBe(r => r.Commit == commit);
        GitCli.Run(results[0].WorkTree, "fsck", "--no-progress").ShouldBeEmpty();
    }

    private GitRepositoryCache Cache(string reference) =>
        new(_remote.BarePath, reference, _remote.Scratch("cache-" + Guid.NewGuid().ToString("N")[..8]));
}
