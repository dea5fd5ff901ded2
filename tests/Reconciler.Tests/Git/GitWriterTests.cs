using GitOpsSecrets.Git;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Git;

public sealed class GitWriterTests : IDisposable
{
    private readonly RemoteRepository _remote = new();
    private readonly GitWriter _writer = new(TimeProvider.System);

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task CommitAndPush_ChangedFile_IsCommittedWithTheAuthorAndPushed()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["apps/a.yaml"] = "a: 1\n", ["b.yaml"] = "b: 1\n" });
        var clone = _remote.Clone("work");
        File.WriteAllText(Path.Combine(clone, "apps", "a.yaml"), "a: resealed\n");

        var result = await _writer.CommitAndPushAsync(Request(clone, paths: ["apps/a.yaml"]), CancellationToken.None);

        result.ShouldBe(new GitWriteResult(result.Commit, 1, true));
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        GitCli.Run(_remote.BarePath, "log", "-1", "--format=%an <%ae>|%s", "main").ShouldBe("Reseal Bot <bot@example.test>|reseal: apps/a.yaml");
        GitCli.Run(_remote.BarePath, "show", "main:apps/a.yaml").ShouldBe("a: resealed");
        GitCli.Run(clone, "status", "--porcelain").ShouldBeEmpty();
    }

    [Fact]
    public async Task CommitAndPush_NothingChanged_CommitsAndPushesNothing()
    {
        var head = _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");

        var result = await _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]), CancellationToken.None);

        result.ShouldBe(new GitWriteResult(null, 0, false));
        _remote.RemoteRef("main").ShouldBe(head);
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(head);
    }

    [Fact]
    public async Task CommitAndPush_AnotherPushLandedFirst_RebasesAndPushesBothCommits()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["a.yaml"] = "a: 1\n", ["b.yaml"] = "b: 1\n" });
        var clone = _remote.Clone("work");
        var theirs = _remote.Commit("someone else", "b.yaml", "b: 2\n");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");

        var result = await _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]), CancellationToken.None);

        result.Pushed.ShouldBeTrue();
        result.Attempts.ShouldBe(2, "rejected once, pushed after the rebase");
        _remote.RemoteRef("main").ShouldBe(result.Commit);
        GitCli.Run(_remote.BarePath, "rev-parse", "main~1").ShouldBe(theirs, "our commit sits on top of theirs; nothing is lost");
        GitCli.Run(_remote.BarePath, "show", "main:a.yaml").ShouldBe("a: resealed");
        GitCli.Run(_remote.BarePath, "show", "main:b.yaml").ShouldBe("b: 2");
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(result.Commit);
    }

    [Fact]
    public async Task CommitAndPush_ConflictingChangeOnTheRemote_FailsNamingTheFileAndPushesNothing()
    {
        _remote.Commit("first", "secrets/db.yaml", "line: 1\n");
        var clone = _remote.Clone("work");
        var theirs = _remote.Commit("someone else", "secrets/db.yaml", "line: theirs\n");
        File.WriteAllText(Path.Combine(clone, "secrets", "db.yaml"), "line: ours\n");

        var error = await Should.ThrowAsync<GitException>(() => _writer.CommitAndPushAsync(Request(clone, paths: ["secrets/db.yaml"]), CancellationToken.None));

        error.Message.ShouldContain("conflict in secrets/db.yaml");
        error.Message.ShouldContain("nothing was pushed");
        _remote.RemoteRef("main").ShouldBe(theirs);
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(theirs, "the local branch is back at the remote head");
        GitCli.Run(clone, "status", "--porcelain").ShouldBeEmpty("nothing is left half-applied");
        File.ReadAllText(Path.Combine(clone, "secrets", "db.yaml")).ShouldBe("line: theirs\n");
    }

    [Fact]
    public async Task CommitAndPush_DirtyTreeOutsideThePaths_IsRefusedBeforeAnything()
    {
        var head = _remote.Commit("first", new Dictionary<string, string?> { ["a.yaml"] = "a: 1\n", ["notes.txt"] = "n\n" });
        var clone = _remote.Clone("work");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");
        File.WriteAllText(Path.Combine(clone, "notes.txt"), "edited by hand\n");
        File.WriteAllText(Path.Combine(clone, "untracked.txt"), "new\n");

        var error = await Should.ThrowAsync<GitException>(() => _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]), CancellationToken.None));

        error.Message.ShouldBe($"work tree {clone} is dirty: notes.txt, untracked.txt changed outside what is to be committed; commit or stash them first");
        GitCli.Run(clone, "rev-parse", "HEAD").ShouldBe(head);
        _remote.RemoteRef("main").ShouldBe(head);
    }

    [Fact]
    public async Task CommitAndPush_WithAChangeFunctionOnADirtyTree_IsRefusedBeforeTheChangeRuns()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "edited by hand\n");
        var ran = false;

        await Should.ThrowAsync<GitException>(() => _writer.CommitAndPushAsync(
            Request(clone, change: (_, _) =>
            {
                ran = true;
                return Task.FromResult<IReadOnlyList<string>>(["a.yaml"]);
            }),
            CancellationToken.None));

        ran.ShouldBeFalse("the tree is checked before the change is made");
    }

    [Fact]
    public async Task CommitAndPush_MergeInProgress_IsRefused()
    {
        _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        GitCli.Run(clone, "checkout", "--quiet", "-b", "side");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: side\n");
        GitCli.Run(clone, "commit", "--quiet", "-am", "side");
        GitCli.Run(clone, "checkout", "--quiet", "main");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: main\n");
        GitCli.Run(clone, "commit", "--quiet", "-am", "main");
        Should.Throw<InvalidOperationException>(() => GitCli.Run(clone, "merge", "--quiet", "side"));

        var error = await Should.ThrowAsync<GitException>(() => _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]), CancellationToken.None));

        error.Message.ShouldBe($"work tree {clone} has a Merge in progress; finish or abort it first");
    }

    [Fact]
    public async Task CommitAndPush_RedoStrategy_RunsTheChangeAgainOnTheNewHead()
    {
        _remote.Commit("first", "list.txt", "one\n");
        var clone = _remote.Clone("work");
        _remote.Commit("someone else", "list.txt", "one\ntwo\n");
        var runs = 0;

        var result = await _writer.CommitAndPushAsync(
            Request(clone, strategy: GitWriteStrategy.Redo, change: async (workTree, cancellationToken) =>
            {
                runs++;
                var file = Path.Combine(workTree, "list.txt");
                await File.AppendAllTextAsync(file, "added by reseal\n", cancellationToken);
                return [file];
            }),
            CancellationToken.None);

        runs.ShouldBe(2, "once on the old head, once more on the new head after the rejected push");
        result.Pushed.ShouldBeTrue();
        result.Attempts.ShouldBe(2);
        GitCli.Run(_remote.BarePath, "show", "main:list.txt").ShouldBe("one\ntwo\nadded by reseal");
        GitCli.Run(_remote.BarePath, "rev-list", "--count", "main").ShouldBe("3");
    }

    [Fact]
    public async Task CommitAndPush_StillRejectedAfterTheRetries_FailsAndPushesNothing()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["a.yaml"] = "a: 1\n", ["b.yaml"] = "b: 1\n" });
        var clone = _remote.Clone("work");
        var theirs = _remote.Commit("someone else", "b.yaml", "b: 2\n");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");

        var error = await Should.ThrowAsync<GitException>(() => _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]) with { Retries = 0 }, CancellationToken.None));

        error.Message.ShouldContain("was rejected 1 time(s)");
        _remote.RemoteRef("main").ShouldBe(theirs);
    }

    [Fact]
    public async Task CommitAndPush_Rejected_WaitsTheBackoffOnTheTimeProviderBeforeRetrying()
    {
        _remote.Commit("first", new Dictionary<string, string?> { ["a.yaml"] = "a: 1\n", ["b.yaml"] = "b: 1\n" });
        var clone = _remote.Clone("work");
        _remote.Commit("someone else", "b.yaml", "b: 2\n");
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");
        var time = new SignallingTimeProvider();
        var writer = new GitWriter(time);

        var writing = writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"]) with { Backoff = TimeSpan.FromSeconds(30) }, CancellationToken.None);
        var wait = await time.TimerRequested.Task.WaitAsync(TimeSpan.FromSeconds(30));

        wait.ShouldBe(TimeSpan.FromSeconds(30));
        writing.IsCompleted.ShouldBeFalse("the retry waits for the backoff");
        time.Advance(TimeSpan.FromSeconds(30));
        var result = await writing.WaitAsync(TimeSpan.FromSeconds(30));
        result.Pushed.ShouldBeTrue();
        result.Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task CommitAndPush_DetachedHead_CommitsOnTheNamedBranch()
    {
        var head = _remote.Commit("first", "a.yaml", "a: 1\n");
        var clone = _remote.Clone("work");
        GitCli.Run(clone, "checkout", "--quiet", "--detach", head);
        File.WriteAllText(Path.Combine(clone, "a.yaml"), "a: resealed\n");

        var result = await _writer.CommitAndPushAsync(Request(clone, paths: ["a.yaml"], branch: "reseal"), CancellationToken.None);

        result.Pushed.ShouldBeTrue();
        _remote.RemoteRef("reseal").ShouldBe(result.Commit);
        _remote.RemoteRef("main").ShouldBe(head);
    }

    private static GitWriteRequest Request(
        string workTree,
        IReadOnlyList<string>? paths = null,
        Func<string, CancellationToken, Task<IReadOnlyList<string>>>? change = null,
        GitWriteStrategy strategy = GitWriteStrategy.Rebase,
        string branch = "main") => new()
        {
            WorkTree = workTree,
            Branch = branch,
            AuthorName = "Reseal Bot",
            AuthorEmail = "bot@example.test",
            Message = "reseal: apps/a.yaml",
            Paths = paths,
            Change = change,
            Strategy = strategy,
            Backoff = TimeSpan.Zero,
        };

    /// <summary>A fake clock that says when someone starts waiting on it, so the test advances it at the right moment.</summary>
    private sealed class SignallingTimeProvider : FakeTimeProvider
    {
        public TaskCompletionSource<TimeSpan> TimerRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerRequested.TrySetResult(dueTime);
            return timer;
        }
    }
}
