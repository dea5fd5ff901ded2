using GitOpsSecrets.Git;

namespace GitOpsSecrets.Tests.Git;

/// <summary>The worker's private write-back clone: cloned once, then always the remote head and clean.</summary>
public sealed class GitWorkTreesTests
{
    [Fact]
    public async Task CloneOrUpdate_FirstTime_ClonesTheBranchIntoRepo()
    {
        using var remote = new RemoteRepository();
        var head = remote.Commit("initial", "README.md", "fleet\n");
        var directory = remote.Scratch("write-back");

        var workTree = await GitWorkTrees.CloneOrUpdateAsync(remote.BarePath, "main", directory, null, CancellationToken.None);

        workTree.ShouldBe(Path.Combine(directory, "repo"));
        GitCli.Run(workTree, "rev-parse", "HEAD").ShouldBe(head);
        GitCli.Run(workTree, "symbolic-ref", "--short", "HEAD").ShouldBe("main");
        File.ReadAllText(Path.Combine(workTree, "README.md")).ShouldBe("fleet\n");
    }

    [Fact]
    public async Task CloneOrUpdate_AfterLocalLeftoversAndARemoteMove_IsTheRemoteHeadAndClean()
    {
        using var remote = new RemoteRepository();
        remote.Commit("initial", "README.md", "fleet\n");
        var directory = remote.Scratch("write-back");
        var workTree = await GitWorkTrees.CloneOrUpdateAsync(remote.BarePath, "main", directory, null, CancellationToken.None);

        // What a failed push leaves behind: a local commit; plus an edit and an untracked file.
        File.WriteAllText(Path.Combine(workTree, "cert.pem"), "unpushed\n");
        GitCli.Run(workTree, "add", "cert.pem");
        GitCli.Run(workTree, "-c", "user.name=x", "-c", "user.email=x@example.test", "commit", "--quiet", "-m", "unpushed");
        File.WriteAllText(Path.Combine(workTree, "README.md"), "edited\n");
        File.WriteAllText(Path.Combine(workTree, "stray.txt"), "stray\n");
        var moved = remote.Commit("moved", "other.txt", "other\n");

        await GitWorkTrees.CloneOrUpdateAsync(remote.BarePath, "main", directory, null, CancellationToken.None);

        GitCli.Run(workTree, "rev-parse", "HEAD").ShouldBe(moved, "the branch is reset to the remote head");
        GitCli.Run(workTree, "status", "--porcelain", "--untracked-files=all").ShouldBeEmpty("the tree is clean");
        File.Exists(Path.Combine(workTree, "cert.pem")).ShouldBeFalse("the unpushed commit is dropped");
        File.ReadAllText(Path.Combine(workTree, "README.md")).ShouldBe("fleet\n");
    }

    [Fact]
    public async Task CloneOrUpdate_MissingBranchOrRemote_OneLineGitException()
    {
        using var remote = new RemoteRepository();
        remote.Commit("initial", "README.md", "fleet\n");

        var branch = await Should.ThrowAsync<GitException>(() => GitWorkTrees.CloneOrUpdateAsync(remote.BarePath, "nope", remote.Scratch("a"), null, CancellationToken.None));
        var missing = await Should.ThrowAsync<GitException>(() => GitWorkTrees.CloneOrUpdateAsync(Path.Combine(remote.Scratch("gone"), "x.git"), "main", remote.Scratch("b"), null, CancellationToken.None));

        branch.Message.ShouldContain("branch nope is missing");
        missing.Message.ShouldContain("remote unreachable");
        missing.Message.ShouldNotContain("\n");
    }

    /// <summary>What the worker's closed loop does: update the private clone, write a file in the change step, commit and push.</summary>
    internal static async Task<GitWriteResult> PublishFileAsync(string url, GitAuth auth, string directory, string path, string content)
    {
        var workTree = await GitWorkTrees.CloneOrUpdateAsync(url, "main", directory, auth, CancellationToken.None);
        return await new GitWriter(TimeProvider.System).CommitAndPushAsync(
            new GitWriteRequest
            {
                WorkTree = workTree,
                Branch = "main",
                AuthorName = "gitops-secrets",
                AuthorEmail = "gitops-secrets@localhost",
                Message = "publish " + path,
                Change = (root, _) =>
                {
                    File.WriteAllText(Path.Combine(root, path), content);
                    return Task.FromResult<IReadOnlyList<string>>([path]);
                },
                Strategy = GitWriteStrategy.Redo,
                Auth = auth,
            },
            CancellationToken.None);
    }
}
