using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>
/// The main job end to end, as a user runs it: <c>sync</c> and <c>plan</c> from the command line over a
/// real git remote (a bare repository on disk) into a directory target.
/// </summary>
public sealed class GitSyncTests : IDisposable
{
    // Planted values: they must reach the target files and nothing else.
    private const string ApiToken = "planted-api-token-7c1e";
    private const string DbPassword = "planted-db-password-93b2";
    private const string RotatedPassword = "planted-rotated-password-5d0f";

    private readonly RemoteRepository _remote = new();
    private readonly Dictionary<string, string?> _changes = new(StringComparer.Ordinal);
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();
    private readonly CliRunner _cli = new();

    private string Root => _local.File("out");

    private string Cache => _local.File("cache");

    [Fact]
    public async Task Commits_that_add_change_and_delete_are_planned_and_applied()
    {
        Change("apps/api/token.yaml", _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken }));
        Change("apps/db/credentials.yaml", _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword, ["user"] = "app" }));
        var first = CommitAndPush("two Secrets");

        var created = await SyncAsync();
        created.ExitCode.ShouldBe(0, created.ToString());
        created.Stdout.ShouldContain($"@sha1:{first}");
        ReadValue("api", "token", "token").ShouldBe(ApiToken);
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword);

        Change("apps/db/credentials.yaml", _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = RotatedPassword, ["host"] = "db.internal" }));
        _changes["apps/api/token.yaml"] = null;
        CommitAndPush("rotate the database password, retire the api token");

        var plan = await RunAsync("plan");
        plan.ExitCode.ShouldBe(6, plan.ToString());
        plan.Stdout.ShouldContain("db/credentials");
        plan.Stdout.ShouldContain("api/token");
        plan.Stdout.ShouldContain("password");
        plan.Stdout.ShouldContain("host");
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword, "plan applies nothing");

        var applied = await SyncAsync();
        applied.ExitCode.ShouldBe(0, applied.ToString());
        ReadValue("db", "credentials", "password").ShouldBe(RotatedPassword);
        ReadValue("db", "credentials", "host").ShouldBe("db.internal");
        File.Exists(Path.Combine(Root, "db", "credentials", "user")).ShouldBeFalse();
        Directory.Exists(Path.Combine(Root, "api", "token")).ShouldBeFalse();

        var settled = await RunAsync("plan");
        settled.ExitCode.ShouldBe(0, settled.ToString());
        AssertNoValues(created, plan, applied, settled);
    }

    [Fact]
    public async Task A_tampered_document_leaves_its_Secret_untouched_and_the_rest_applied()
    {
        Change("apps/api/token.yaml", _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken }));
        Change("apps/db/credentials.yaml", _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword }));
        CommitAndPush("two Secrets");
        (await SyncAsync()).ExitCode.ShouldBe(0);

        var rotated = _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = RotatedPassword });
        Change("apps/db/credentials.yaml", Tamper(rotated, "password"));
        Change("apps/api/token.yaml", _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken, ["scope"] = "read" }));
        CommitAndPush("a broken ciphertext next to a good change");

        var result = await SyncAsync();
        result.ExitCode.ShouldBe(5, result.ToString());
        result.All.ShouldContain("apps/db/credentials.yaml");
        result.All.ShouldContain("password");
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword, "the Secret of a document that fails to decrypt is untouched");
        ReadValue("api", "token", "scope").ShouldBe("read");
        AssertNoValues(result);
    }

    [Fact]
    public async Task A_document_that_does_not_parse_suspends_prune_and_touches_nothing_it_names()
    {
        Change("apps/api/token.yaml", _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken }));
        CommitAndPush("one Secret");
        (await SyncAsync()).ExitCode.ShouldBe(0);

        Change("apps/api/token.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: token, namespace: api\nspec: [\n");
        CommitAndPush("a YAML syntax error");

        var result = await SyncAsync();
        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.All.ShouldContain("apps/api/token.yaml");
        ReadValue("api", "token", "token").ShouldBe(ApiToken, "a file that fails to parse never causes a delete");
    }

    [Fact]
    public async Task When_the_remote_is_gone_the_applied_state_stays_as_it_was()
    {
        Change("apps/db/credentials.yaml", _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword }));
        CommitAndPush("one Secret");
        (await SyncAsync()).ExitCode.ShouldBe(0);

        Directory.Delete(_remote.BarePath, recursive: true);
        var result = await SyncAsync();

        result.ExitCode.ShouldBe(GitOpsSecrets.Cli.ExitCodes.SourceUnavailable, result.ToString());
        result.Stderr.ShouldContain(_remote.BarePath);
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword);
    }

    [Fact]
    public async Task A_restart_with_nothing_new_decrypts_nothing_and_writes_nothing()
    {
        Change("apps/db/credentials.yaml", _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword, ["user"] = "app" }));
        CommitAndPush("one Secret");
        var cold = await SyncAsync("-o", "json");
        cold.Stdout.ShouldContain("\"rsaOperations\": 2");
        var written = File.GetLastWriteTimeUtc(Path.Combine(Root, "db", "credentials", "..data"));

        // Every CLI run is a new process as far as the engine knows: only the cache and the target remain.
        var restart = await SyncAsync("-o", "json");

        restart.ExitCode.ShouldBe(0, restart.ToString());
        restart.Stdout.ShouldContain("\"rsaOperations\": 0");
        File.GetLastWriteTimeUtc(Path.Combine(Root, "db", "credentials", "..data")).ShouldBe(written);
    }

    [Fact]
    public async Task The_same_Secret_in_two_files_is_rejected_naming_both()
    {
        var yaml = _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword });
        Change("apps/db/credentials.yaml", yaml);
        Change("apps/db/copy.yaml", yaml);
        CommitAndPush("a copy by mistake");

        var result = await SyncAsync();

        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.All.ShouldContain("apps/db/credentials.yaml");
        result.All.ShouldContain("apps/db/copy.yaml");
        File.Exists(Path.Combine(Root, "db", "credentials", "password")).ShouldBeFalse();
    }

    private void Change(string path, string content) => _changes[path] = content;

    private string CommitAndPush(string message)
    {
        var commit = _remote.Commit(message, _changes);
        _changes.Clear();
        return commit;
    }

    private Task<CliResult> SyncAsync(params string[] extra) => RunAsync("sync", extra);

    private Task<CliResult> RunAsync(string command, params string[] extra) =>
        _cli.RunAsync([command, "--repo", _remote.BarePath, "--path", "apps", "--keys", TestSealer.KeyFile, "--cache-dir", Cache, "--target", $"directory:{Root}", .. extra]);

    private string ReadValue(string @namespace, string name, string key) => File.ReadAllText(Path.Combine(Root, @namespace, name, key));

    /// <summary>Flips one character in the middle of a value's ciphertext, so the AES-GCM tag fails.</summary>
    private static string Tamper(string yaml, string key)
    {
        var line = yaml.Split('\n').First(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        var value = line[(line.IndexOf(':', StringComparison.Ordinal) + 2)..];
        var middle = value.Length / 2;
        var flipped = value[..middle] + (value[middle] == 'A' ? 'B' : 'A') + value[(middle + 1)..];
        return yaml.Replace(line, line.Replace(value, flipped, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static void AssertNoValues(params CliResult[] results)
    {
        foreach (var result in results)
        {
            foreach (var planted in new[] { ApiToken, DbPassword, RotatedPassword })
            {
                result.All.ShouldNotContain(planted);
            }
        }
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }
}
