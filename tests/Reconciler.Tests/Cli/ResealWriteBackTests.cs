using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// <c>reseal --commit --push</c> over a real remote (a bare repository): one clean commit that says what
/// was resealed and never a value, a push race redone on the new head, a conflicting change refused with
/// nothing pushed, and a dirty tree refused before anything is rewritten.
/// </summary>
public sealed class ResealWriteBackTests : IDisposable
{
    private const string Planted = "planted-writeback-secret-1e9d";

    private readonly RemoteRepository _remote = new();
    private readonly CliRunner _cli = new();
    private readonly string _keys;
    private readonly string _clone;

    public ResealWriteBackTests()
    {
        _keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(_keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        _remote.Commit("two SealedSecrets on the old key", new Dictionary<string, string?>
        {
            ["apps/db.yaml"] = SealedOld("payments", "db"),
            ["apps/api.yaml"] = "# the api token\n" + SealedOld("payments", "api"),
            ["README.md"] = "platform secrets\n",
        });
        _clone = _remote.Clone("ci");
    }

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task Reseal_push_makes_one_commit_that_opens_with_the_new_key_alone()
    {
        var result = await ResealAsync("--push", "--author", "Reseal Bot <bot@example.test>");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain("and pushed (1 attempt)");
        var message = GitCli.Run(_remote.BarePath, "log", "-1", "--format=%an <%ae>%n%B", "main");
        message.ShouldStartWith("Reseal Bot <bot@example.test>\nReseal 2 SealedSecret(s) in 2 file(s) to key ");
        message.ShouldContain("- apps/db.yaml");
        message.ShouldContain("- apps/api.yaml");
        GitCli.Run(_remote.BarePath, "diff", "--name-only", "main~1", "main").Split('\n').Order().ShouldBe(["apps/api.yaml", "apps/db.yaml"]);
        AssertOpensWithNewKeyAlone(RemoteFile("apps/db.yaml"), "db");
        RemoteFile("apps/api.yaml").ShouldStartWith("# the api token\n");
        (result.All + message).ShouldNotContain(Planted);

        var again = await ResealAsync("--push");
        again.ExitCode.ShouldBe(0, again.ToString());
        again.Stdout.ShouldContain("nothing to commit");
    }

    [Fact]
    public async Task A_push_race_is_redone_on_the_new_head_and_loses_no_commit()
    {
        // Another change lands on the remote after the CI clone was made: the first push is rejected.
        var theirs = _remote.Commit("add the web Secret", "apps/web.yaml", SealedOld("web", "tls"));

        var result = await ResealAsync("--push");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain("and pushed (2 attempts)");
        GitCli.Run(_remote.BarePath, "rev-parse", "main~1").ShouldBe(theirs);
        AssertOpensWithNewKeyAlone(RemoteFile("apps/web.yaml"), "tls");
        AssertOpensWithNewKeyAlone(RemoteFile("apps/db.yaml"), "db");
    }

    [Fact]
    public async Task A_conflicting_change_with_rebase_fails_and_pushes_nothing()
    {
        var theirs = _remote.Commit("someone reseals db by hand", "apps/db.yaml", SealedOld("payments", "db"));

        var result = await ResealAsync("--push", "--on-push-conflict", "rebase");

        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.Stderr.ShouldContain("apps/db.yaml");
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1, result.Stderr);
        GitCli.Run(_remote.BarePath, "rev-parse", "main").ShouldBe(theirs);
    }

    [Fact]
    public async Task A_dirty_tree_is_refused_before_anything_is_rewritten()
    {
        File.AppendAllText(Path.Combine(_clone, "README.md"), "an edit nobody committed\n");
        var before = File.ReadAllText(Path.Combine(_clone, "apps", "db.yaml"));

        var result = await ResealAsync("--commit");

        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.Stderr.ShouldContain("README.md");
        File.ReadAllText(Path.Combine(_clone, "apps", "db.yaml")).ShouldBe(before);
        GitCli.Run(_clone, "rev-parse", "HEAD").ShouldBe(_remote.RemoteRef("main"));
    }

    [Theory]
    [InlineData("--check", "--commit")]
    [InlineData("--branch", "main")]
    [InlineData("--commit", "--author", "no email here")]
    [InlineData("--commit", "--on-push-conflict", "merge")]
    public async Task Write_back_flags_that_make_no_sense_are_usage_errors(params string[] flags)
    {
        var result = await _cli.RunAsync(["reseal", Path.Combine(_clone, "apps"), "--keys", _keys, .. flags]);

        result.ExitCode.ShouldBe(2, result.ToString());
    }

    private Task<CliResult> ResealAsync(params string[] flags) =>
        _cli.RunAsync(["reseal", Path.Combine(_clone, "apps"), "--keys", _keys, .. flags]);

    private string RemoteFile(string path) => GitCli.Run(_remote.BarePath, "show", $"main:{path}") + "\n";

    private static string SealedOld(string @namespace, string name)
    {
        using var oldKey = TestKeys.Old();
        return SealedFiles.Yaml(SealedFiles.Seal(oldKey, @namespace, name, new Dictionary<string, string> { ["password"] = $"{Planted}-{name}" }));
    }

    private void AssertOpensWithNewKeyAlone(string content, string name)
    {
        var file = Path.Combine(_remote.Scratch("check"), $"{name}.yaml");
        File.WriteAllText(file, content);
        using var newKey = TestKeys.New();
        var opened = SealedFiles.Open(file, newKey).Single();
        opened.Values.ShouldNotBeNull();
        opened.Values["password"].ShouldBe($"{Planted}-{name}");
    }
}
