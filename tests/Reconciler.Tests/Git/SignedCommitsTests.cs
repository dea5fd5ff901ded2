using GitOpsSecrets.Git;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// <c>source.verify</c> through the real git cache: a bare remote, commits signed by the git command line
/// with real ssh-keygen and gpg keys, verification by git itself.
/// </summary>
public sealed class SignedCommitsTests : IDisposable
{
    private readonly RemoteRepository _remote = new();
    private readonly SigningKeys _keys = new();

    public void Dispose()
    {
        _keys.Dispose();
        _remote.Dispose();
    }

    [Fact]
    public async Task Fetch_SshRangeAllSignedByAllowedKey_ChecksOutEachNewHead()
    {
        var alice = _keys.SshKey("alice");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        _keys.CommitSsh(_remote, alice, "one", "a.yaml", "a: 1\n");

        var first = await cache.FetchAsync(CancellationToken.None);
        _keys.CommitSsh(_remote, alice, "two", "a.yaml", "a: 2\n");
        var head = _keys.CommitSsh(_remote, alice, "three", "a.yaml", "a: 3\n");
        var second = await cache.FetchAsync(CancellationToken.None);

        second.Commit.ShouldBe(head, "a range signed by an allowed key is applied");
        File.ReadAllText(Path.Combine(second.WorkTree, "a.yaml")).ShouldBe("a: 3\n");
        first.Commit.ShouldNotBe(head);
    }

    [Fact]
    public async Task Fetch_UnsignedCommitInTheMiddleOfTheRange_RefusedNamingItAndThePreviousRevisionStays()
    {
        var alice = _keys.SshKey("alice");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        var applied = _keys.CommitSsh(_remote, alice, "one", "a.yaml", "a: 1\n");
        await cache.FetchAsync(CancellationToken.None);
        var unsigned = _remote.Commit("sneaked in", "a.yaml", "a: evil\n");
        var signedHead = _keys.CommitSsh(_remote, alice, "looks fine", "a.yaml", "a: 3\n");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {unsigned} (1 of 2 new since the last verified commit {applied}) is not signed", Case.Sensitive, refused.Message);
        refused.Message.ShouldNotContain(signedHead, Case.Sensitive, "the signed head is not the one to blame");
        refused.Message.ShouldNotContain('\n', "the failure is one line");
        File.ReadAllText(Path.Combine(cache.WorkTree, "a.yaml")).ShouldBe("a: 1\n", "nothing of the refused revision is checked out");
        await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None), "the refusal holds on the next sync; it is not remembered as verified");
    }

    [Fact]
    public async Task Fetch_SignedByAKeyNotInAllowedSigners_Refused()
    {
        var alice = _keys.SshKey("alice");
        var mallory = _keys.SshKey("mallory");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        _keys.CommitSsh(_remote, alice, "one", "a.yaml", "a: 1\n");
        await cache.FetchAsync(CancellationToken.None);
        var forged = _keys.CommitSsh(_remote, mallory, "two", "a.yaml", "a: 2\n");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {forged} (1 of 1 new since the last verified commit", Case.Sensitive, refused.Message);
        refused.Message.ShouldContain("which is not in the allowed keys", Case.Sensitive, refused.Message);
    }

    [Fact]
    public async Task Fetch_SshModeGivenAnOpenPgpSignedCommit_Refused()
    {
        var alice = _keys.SshKey("alice");
        var gpgAlice = _keys.GpgKey("Alice", "alice@example.test");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        var pgpSigned = _keys.CommitGpg(_remote, gpgAlice, "pgp", "a.yaml", "a: 1\n");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {pgpSigned} (1 of 1 new in the whole history)", Case.Sensitive, refused.Message);
    }

    [Fact]
    public async Task Fetch_GpgRangeSignedByKeyringKey_AppliedAndAKeyOutsideTheKeyringIsRefused()
    {
        var alice = _keys.GpgKey("Alice", "alice@example.test");
        var mallory = _keys.GpgKey("Mallory", "mallory@example.test");
        var cache = Cache(SignatureMode.Gpg, _keys.Keyring(alice));
        _keys.CommitGpg(_remote, alice, "one", "a.yaml", "a: 1\n");
        var good = _keys.CommitGpg(_remote, alice, "two", "a.yaml", "a: 2\n");

        (await cache.FetchAsync(CancellationToken.None)).Commit.ShouldBe(good, "every commit is signed by a key of the keyring");
        var forged = _keys.CommitGpg(_remote, mallory, "three", "a.yaml", "a: 3\n");
        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {forged} (1 of 1 new since the last verified commit {good}) is signed by key", Case.Sensitive, refused.Message);
        refused.Message.ShouldContain("which is not in the allowed keys (keyring", Case.Sensitive, refused.Message);
        File.ReadAllText(Path.Combine(cache.WorkTree, "a.yaml")).ShouldBe("a: 2\n");
    }

    [Fact]
    public async Task Fetch_GpgUnsignedCommit_Refused()
    {
        var alice = _keys.GpgKey("Alice", "alice@example.test");
        var cache = Cache(SignatureMode.Gpg, _keys.Keyring(alice));
        _keys.CommitGpg(_remote, alice, "one", "a.yaml", "a: 1\n");
        var unsigned = _remote.Commit("two", "a.yaml", "a: 2\n");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {unsigned} (2 of 2 new in the whole history) is not signed", Case.Sensitive, refused.Message);
    }

    [Fact]
    public async Task Fetch_FirstSyncWithoutSince_VerifiesTheWholeHistoryAndSinceMakesTheAnchorTrusted()
    {
        var alice = _keys.SshKey("alice");
        var signers = _keys.AllowedSigners(alice);
        var old = _remote.Commit("before signing was required", "a.yaml", "a: 0\n");
        var head = _keys.CommitSsh(_remote, alice, "signed", "a.yaml", "a: 1\n");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => Cache(SignatureMode.Ssh, signers).FetchAsync(CancellationToken.None));
        var anchored = await Cache(SignatureMode.Ssh, signers, since: old).FetchAsync(CancellationToken.None);

        refused.Message.ShouldContain($"commit {old} (1 of 2 new in the whole history) is not signed", Case.Sensitive, refused.Message);
        anchored.Commit.ShouldBe(head, "with verify.since at the last unsigned commit, only what follows it is checked");
    }

    [Fact]
    public async Task Fetch_HeadNotDescendingFromSince_Refused()
    {
        var alice = _keys.SshKey("alice");
        var anchor = _keys.CommitSsh(_remote, alice, "anchor", "a.yaml", "a: 1\n");
        GitCli.Run(_remote.AuthorPath, "checkout", "--quiet", "--orphan", "other");
        var elsewhere = _keys.CommitSsh(_remote, alice, "unrelated history", "a.yaml", "b: 1\n", branch: "other");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice), since: anchor, reference: "other").FetchAsync(CancellationToken.None));

        refused.Message.ShouldBe($"commit {elsewhere} does not descend from source.verify.since {anchor} (history rewritten below the trust anchor)");
    }

    [Fact]
    public async Task Fetch_SignedMergeOfAnUnsignedBranch_RefusedNamingTheBranchCommit()
    {
        var alice = _keys.SshKey("alice");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        _keys.CommitSsh(_remote, alice, "one", "a.yaml", "a: 1\n");
        await cache.FetchAsync(CancellationToken.None);
        var sideCommit = _remote.Commit("unsigned work", "b.yaml", "b: 1\n", branch: "feature");
        _remote.Checkout("main");
        GitCli.Run(_remote.AuthorPath, "-c", "gpg.format=ssh", "-c", $"user.signingkey={alice}", "merge", "--quiet", "--no-ff", "-S", "-m", "merge feature", "feature");
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "origin", "main");

        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {sideCommit} (1 of 2 new since the last verified commit", Case.Sensitive, "a signed merge does not vouch for the unsigned commits it brings: " + refused.Message);
    }

    [Fact]
    public async Task Fetch_SignedMergeOfSignedBranches_Applied()
    {
        var alice = _keys.SshKey("alice");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        _keys.CommitSsh(_remote, alice, "one", "a.yaml", "a: 1\n");
        await cache.FetchAsync(CancellationToken.None);
        _keys.CommitSsh(_remote, alice, "signed work", "b.yaml", "b: 1\n", branch: "feature");
        _remote.Checkout("main");
        GitCli.Run(_remote.AuthorPath, "-c", "gpg.format=ssh", "-c", $"user.signingkey={alice}", "merge", "--quiet", "--no-ff", "-S", "-m", "merge feature", "feature");
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "origin", "main");

        var checkout = await cache.FetchAsync(CancellationToken.None);

        checkout.Commit.ShouldBe(_remote.Head());
        File.ReadAllText(Path.Combine(checkout.WorkTree, "b.yaml")).ShouldBe("b: 1\n");
    }

    [Fact]
    public async Task Fetch_ForcePush_VerifiesTheRewrittenCommitsAndRefusesAnUnsignedOne()
    {
        var alice = _keys.SshKey("alice");
        var cache = Cache(SignatureMode.Ssh, _keys.AllowedSigners(alice));
        var baseCommit = _keys.CommitSsh(_remote, alice, "base", "a.yaml", "a: 1\n");
        _keys.CommitSsh(_remote, alice, "to be dropped", "a.yaml", "a: 2\n");
        await cache.FetchAsync(CancellationToken.None);

        GitCli.Run(_remote.AuthorPath, "reset", "--quiet", "--hard", baseCommit);
        var rewritten = _keys.CommitSsh(_remote, alice, "rewritten", "a.yaml", "a: 3\n");
        var afterSignedRewrite = await cache.FetchAsync(CancellationToken.None);
        GitCli.Run(_remote.AuthorPath, "reset", "--quiet", "--hard", baseCommit);
        File.WriteAllText(Path.Combine(_remote.AuthorPath, "a.yaml"), "a: evil\n");
        GitCli.Run(_remote.AuthorPath, "commit", "--quiet", "-am", "unsigned rewrite");
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "--force", "origin", "main");
        var unsigned = _remote.Head();
        var refused = await Should.ThrowAsync<SourceVerificationException>(() => cache.FetchAsync(CancellationToken.None));

        afterSignedRewrite.Commit.ShouldBe(rewritten, "a force-push whose new commits are all signed is applied");
        refused.Message.ShouldContain($"commit {unsigned} (1 of 1 new since the last verified commit {rewritten}) is not signed", Case.Sensitive, refused.Message);
        File.ReadAllText(Path.Combine(cache.WorkTree, "a.yaml")).ShouldBe("a: 3\n");
    }

    [Fact]
    public async Task Fetch_AllowedSignersChanged_VerifiesTheHistoryAgainstTheNewList()
    {
        var alice = _keys.SshKey("alice");
        var bob = _keys.SshKey("bob");
        var signers = _keys.AllowedSigners(alice, bob);
        var byBob = _keys.CommitSsh(_remote, bob, "bob", "a.yaml", "a: 1\n");
        await Cache(SignatureMode.Ssh, signers).FetchAsync(CancellationToken.None);

        File.WriteAllText(signers, File.ReadAllText(_keys.AllowedSigners(alice)));
        var refused = await Should.ThrowAsync<SourceVerificationException>(() => Cache(SignatureMode.Ssh, signers).FetchAsync(CancellationToken.None));

        refused.Message.ShouldContain($"commit {byBob} (1 of 1 new in the whole history) is signed by key", Case.Sensitive, "a key removed from the list no longer vouches for history: " + refused.Message);
    }

    private string? _cacheDirectory;

    private GitRepositoryCache Cache(SignatureMode mode, string signers, string? since = null, string reference = "main")
    {
        _cacheDirectory ??= _remote.Scratch("cache");
        var policy = new CommitSignaturePolicy(mode, signers, since);
        return new GitRepositoryCache(_remote.BarePath, reference, _cacheDirectory, verifier: new CommitVerifier(policy, _cacheDirectory));
    }
}
