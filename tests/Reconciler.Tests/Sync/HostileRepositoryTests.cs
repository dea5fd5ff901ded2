using System.Text;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.Manifests;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>
/// One hostile file committed next to a good change, synced from a real git remote into a directory
/// target by the real command line: the hostile file fails alone, with one line naming it and the
/// limit; its Secret is neither changed nor pruned; the good change is applied.
/// </summary>
public sealed class HostileRepositoryTests : IDisposable
{
    private const string DbPassword = "planted-db-password-1a7c";
    private const string ApiToken = "planted-api-token-5e02";
    private const string NewToken = "planted-new-token-93dd";

    private readonly RemoteRepository _remote = new();
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();
    private readonly CliRunner _cli = new();

    private string Root => _local.File("out");

    public static TheoryData<string, string> HostileFiles => new()
    {
        { "billion laughs in annotations", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: credentials\n  namespace: db\n  annotations:\n" + ManifestLimitsTests.BillionLaughs("    ") + "spec:\n  encryptedData: {}\n" },
        { "billion laughs in a ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" + ManifestLimitsTests.BillionLaughs("  ") },
        { "100,000 nested flow sequences, unclosed", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec: " + new string('[', 100_000) + "\n" },
        { "100,000 nested flow mappings, closed", "x: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "x" + new string('}', 100_000) + "\n" },
        { "a 200 KB scalar referenced 20,000 times", "big: &big " + new string('x', 200_000) + "\nrefs: [" + string.Join(",", Enumerable.Repeat("*big", 20_000)) + "]\n" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task Sync_HostileFileNextToAGoodChange_FailsThatFileAloneAndAppliesTheRest(string family, string hostile)
    {
        _remote.Commit("two Secrets", new Dictionary<string, string?>
        {
            ["apps/db/credentials.yaml"] = _sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword }),
            ["apps/api/token.yaml"] = _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken }),
        });
        (await SyncAsync()).ExitCode.ShouldBe(0);

        _remote.Commit(family, new Dictionary<string, string?>
        {
            ["apps/db/credentials.yaml"] = hostile,
            ["apps/api/token.yaml"] = _sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = NewToken }),
        });
        var result = await SyncAsync();

        result.ExitCode.ShouldBe(5, result.ToString());
        ReadValue("api", "token", "token").ShouldBe(NewToken, $"the good change beside {family} is applied");
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword, $"the Secret of the hostile file is neither changed nor pruned ({family})");
        var line = result.Stdout.Split('\n').Single(l => l.Contains("apps/db/credentials.yaml:", StringComparison.Ordinal));
        line.ShouldMatch(@"\((MaxDepth|MaxAliasExpansion|go-yaml's alias ratio)\)$", line);
        line.ShouldContain("(document 1)", customMessage: line);
        foreach (var planted in new[] { DbPassword, ApiToken, NewToken })
        {
            result.All.ShouldNotContain(planted);
        }
    }

    [Fact]
    public async Task Sync_KindListOfSealedSecrets_AppliesEachItemAndNamesABadItemByIndex()
    {
        string Item(string yaml) => "- " + yaml.TrimEnd('\n').Replace("\n", "\n  ", StringComparison.Ordinal) + "\n";
        var list = "apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n"
            + Item(_sealer.Yaml("db", "credentials", new Dictionary<string, string> { ["password"] = DbPassword }))
            + Item(_sealer.Yaml("api", "token", new Dictionary<string, string> { ["token"] = ApiToken }))
            + Item(_sealer.Yaml("api", "broken", new Dictionary<string, string> { ["token"] = NewToken }).Replace("namespace: api", "namespace: Not_Valid", StringComparison.Ordinal));
        _remote.Commit("what kubectl get sealedsecrets -o yaml writes", "apps/all.yaml", list);

        var result = await SyncAsync();

        result.ExitCode.ShouldBe(5, result.ToString());
        ReadValue("db", "credentials", "password").ShouldBe(DbPassword);
        ReadValue("api", "token", "token").ShouldBe(ApiToken);
        result.All.ShouldContain("apps/all.yaml:", customMessage: result.ToString());
        result.All.ShouldContain("(document 1, items[2])", customMessage: result.ToString());
        result.All.ShouldNotContain(NewToken);
    }

    private Task<CliResult> SyncAsync() =>
        _cli.RunAsync(["sync", "--repo", _remote.BarePath, "--path", "apps", "--keys", TestSealer.KeyFile, "--cache-dir", _local.File("cache"), "--target", $"directory:{Root}"]);

    private string ReadValue(string @namespace, string name, string key) => File.ReadAllText(Path.Combine(Root, @namespace, name, key), Encoding.UTF8);

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }
}
