using GitOpsSecrets.Git;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.WriteBack;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.WriteBack;

/// <summary>The write-back service against real repositories: a bare repository on disk is the remote.</summary>
public sealed class WriteBackServiceTests : IDisposable
{
    private readonly RemoteRepository _remote = new();
    private readonly IWriteBackService _writeBack = new ServiceCollection().AddWriteBack().BuildServiceProvider().GetRequiredService<IWriteBackService>();

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task Write_ChangeInTheWorkTreeOfAPath_IsCommittedOnItsBranchAndPushed()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["apps/a.yaml"] = "a: 1\n", ["b.yaml"] = "b: 1\n" });
        var clone = _remote.Clone("work");
        string? changedIn = null;

        var result = await _writeBack.WriteAsync(
            Request(new WorkTreeOf(Path.Combine(clone, "apps"), Branch: null), (root, _) =>
            {
                changedIn = root;
                File.WriteAllText(Path.Combine(root, "apps", "a.yaml"), "a: resealed\n");
                return Task.FromResult<IReadOnlyList<string>>(["apps/a.yaml"]);
            }) with
            { MessageFactory = root => $"changed in {Path.GetFileName(root)}" },
            CancellationToken.None);

        result.ShouldBe(new GitWriteResult(result.Commit, 1, true), "one commit, pushed at the first attempt");
        changedIn.ShouldBe(Path.TrimEndingDirectorySeparator(Path.GetFullPath(clone)), "the change runs at the root of the work tree holding the path");
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        GitCli.Run(_remote.BarePath, "log", "-1", "--format=%an <%ae>|%s", "main").ShouldBe("Write Bot <bot@example.test>|changed in work");
        GitCli.Run(_remote.BarePath, "show", "main:apps/a.yaml").ShouldBe("a: resealed");
        GitCli.Run(clone, "status", "--porcelain").ShouldBeEmpty("everything changed is committed");
    }

    [Fact]
    public async Task Write_ChangeTouchesNothing_NoCommitAndNothingPushed()
    {
        var head = _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");

        var result = await _writeBack.WriteAsync(
            Request(new WorkTreeOf(clone, Branch: null), (_, _) => Task.FromResult<IReadOnlyList<string>>([])),
            CancellationToken.None);

        result.ShouldBe(new GitWriteResult(null, 0, false));
        _remote.RemoteRef("main").ShouldBe(head, "nothing was pushed");
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(head, "nothing was committed");
    }

    [Fact]
    public async Task Write_CommitOnly_CommitsInTheWorkTreeAndPushesNothing()
    {
        var head = _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");

        var result = await _writeBack.WriteAsync(
            Request(new WorkTreeOf(clone, Branch: null), (root, _) =>
            {
                File.WriteAllText(Path.Combine(root, "a.yaml"), "a: 2\n");
                return Task.FromResult<IReadOnlyList<string>>(["a.yaml"]);
            }) with
            { Push = false },
            CancellationToken.None);

        result.Pushed.ShouldBeFalse();
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(result.Commit.ShouldNotBeNull());
        _remote.RemoteRef("main").ShouldBe(head, "commit only: the remote is untouched");
    }

    [Fact]
    public async Task Write_BranchMovesBeforeThePush_ChangeIsRedoneOnTheNewHeadAndPushed()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["README.md"] = "fleet\n", ["keys/cert.pem"] = "old\n" });
        var other = _remote.Clone("other");
        var runs = 0;
        string? theirs = null;

        var result = await _writeBack.WriteAsync(
            Request(new CloneOf(_remote.BarePath, "main", _remote.Scratch("write-back")), (root, _) =>
            {
                if (++runs == 1)
                {
                    // Another user pushes after the clone was brought up to date and before our push.
                    File.WriteAllText(Path.Combine(other, "README.md"), "fleet, edited meanwhile\n");
                    GitCli.Run(other, "commit", "--quiet", "-am", "meanwhile");
                    GitCli.Run(other, "push", "--quiet", "origin", "main");
                    theirs = GitCli.Run(other, "rev-parse", "HEAD");
                }

                File.WriteAllText(Path.Combine(root, "keys", "cert.pem"), "new\n");
                return Task.FromResult<IReadOnlyList<string>>(["keys/cert.pem"]);
            }),
            CancellationToken.None);

        runs.ShouldBe(2, "the change ran again on the new head");
        result.Pushed.ShouldBeTrue();
        result.Attempts.ShouldBe(2, "rejected once, pushed after the redo");
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        GitCli.Run(_remote.BarePath, "rev-parse", "main~1").ShouldBe(theirs, "our commit sits on top of theirs");
        GitCli.Run(_remote.BarePath, "show", "main:README.md").ShouldBe("fleet, edited meanwhile", "their change is kept");
        GitCli.Run(_remote.BarePath, "show", "main:keys/cert.pem").ShouldBe("new");
    }

    [Fact]
    public async Task Write_PrivateCloneBehindTheRemote_IsUpdatedBeforeTheChange()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var directory = _remote.Scratch("write-back");
        var first = await _writeBack.WriteAsync(Request(new CloneOf(_remote.BarePath, "main", directory), Writes("a.yaml", "a: 2\n")), CancellationToken.None);
        GitCli.Run(_remote.AuthorPath, "pull", "--quiet", "--ff-only", "origin", "main");
        var meanwhile = _remote.Commit("meanwhile", "b.yaml", "b: 1\n");

        var second = await _writeBack.WriteAsync(Request(new CloneOf(_remote.BarePath, "main", directory), Writes("a.yaml", "a: 3\n")), CancellationToken.None);

        first.Pushed.ShouldBeTrue();
        second.Attempts.ShouldBe(1, "the clone was at the remote head before the change, so the first push went through");
        GitCli.Run(_remote.BarePath, "rev-parse", "main~1").ShouldBe(meanwhile);
        GitCli.Run(_remote.BarePath, "show", "main:a.yaml").ShouldBe("a: 3");
        GitCli.Run(_remote.BarePath, "show", "main:b.yaml").ShouldBe("b: 1");
    }

    [Fact]
    public async Task Write_DetachedHeadAndNoBranch_RefusedBeforeTheChangeRuns()
    {
        var head = _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        GitCli.Run(clone, "checkout", "--quiet", "--detach", head);
        var ran = false;

        var error = await Should.ThrowAsync<BranchRequiredException>(() => _writeBack.WriteAsync(
            Request(new WorkTreeOf(clone, Branch: null), (_, _) =>
            {
                ran = true;
                return Task.FromResult<IReadOnlyList<string>>([]);
            }),
            CancellationToken.None));

        error.Message.ShouldBe("HEAD is detached: pass --branch");
        ran.ShouldBeFalse("nothing is changed when there is no branch to commit on");
    }

    private static Func<string, CancellationToken, Task<IReadOnlyList<string>>> Writes(string path, string content) => (root, _) =>
    {
        File.WriteAllText(Path.Combine(root, path), content);
        return Task.FromResult<IReadOnlyList<string>>([path]);
    };

    private static WriteBackRequest Request(WriteBackLocation location, Func<string, CancellationToken, Task<IReadOnlyList<string>>> change) => new()
    {
        Location = location,
        AuthorName = "Write Bot",
        AuthorEmail = "bot@example.test",
        Message = "write-back test",
        Change = change,
        Backoff = TimeSpan.Zero,
    };
}
