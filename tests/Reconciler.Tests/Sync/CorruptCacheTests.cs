using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>A corrupt sync cache (issue 17, point 5) is detected, cloned again with a one-line warning, and the sync goes on.</summary>
public sealed class CorruptCacheTests : IDisposable
{
    private readonly RemoteRepository _remote = new();
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();
    private readonly CliRunner _cli = new();

    private string Cache => _local.File("cache");

    private string GitDirectory => Path.Combine(Cache, "repo", ".git");

    public static TheoryData<string> Corruptions() => ["garbage HEAD", "missing objects", "truncated packfile"];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task Sync_CorruptCache_IsClonedAgainAndTheNewRevisionApplied(string corruption)
    {
        _remote.Commit("v1", "apps/s.yaml", _sealer.Yaml("team", "s", new Dictionary<string, string> { ["value"] = "v1" }));
        (await SyncAsync()).ExitCode.ShouldBe(0);
        _remote.Commit("v2", "apps/s.yaml", _sealer.Yaml("team", "s", new Dictionary<string, string> { ["value"] = "v2" }));
        Corrupt(corruption);

        var result = await SyncAsync();

        result.ExitCode.ShouldBe(0, $"{corruption}: {result}");
        result.Stdout.Split('\n').Count(l => l.StartsWith("warning: source ", StringComparison.Ordinal) && l.Contains("was corrupt", StringComparison.Ordinal) && l.Contains("cloned it again", StringComparison.Ordinal))
            .ShouldBe(1, $"{corruption}: one warning line: {result}");
        File.ReadAllText(Path.Combine(_local.File("out"), "team", "s", "value")).ShouldBe("v2", corruption);
        var again = await SyncAsync();
        again.ExitCode.ShouldBe(0, $"{corruption}, the sync after: {again}");
        again.All.ShouldNotContain("corrupt", customMessage: "the repaired cache needs no second repair");
    }

    private void Corrupt(string corruption)
    {
        switch (corruption)
        {
            case "garbage HEAD":
                File.WriteAllText(Path.Combine(GitDirectory, "HEAD"), "\u0001\u0002 not a ref\n");
                break;
            case "missing objects":
                foreach (var directory in Directory.GetDirectories(Path.Combine(GitDirectory, "objects")).Where(d => Path.GetFileName(d) is not ("info" or "pack")))
                {
                    Directory.Delete(directory, recursive: true);
                }

                foreach (var file in Directory.GetFiles(Path.Combine(GitDirectory, "objects", "pack")))
                {
                    File.Delete(file);
                }

                break;
            case "truncated packfile":
                GitCli.Run(Path.Combine(Cache, "repo"), "repack", "-a", "-d", "-q");
                var packs = Directory.GetFiles(Path.Combine(GitDirectory, "objects", "pack"), "*.pack");
                packs.ShouldNotBeEmpty("the cache holds a pack to truncate");
                foreach (var pack in packs)
                {
                    // Replaced rather than truncated in place: a local clone may share the file with the remote by a hard link.
                    var bytes = File.ReadAllBytes(pack);
                    File.Delete(pack);
                    File.WriteAllBytes(pack, bytes[..(bytes.Length / 2)]);
                }

                foreach (var directory in Directory.GetDirectories(Path.Combine(GitDirectory, "objects")).Where(d => Path.GetFileName(d) is not ("info" or "pack")))
                {
                    Directory.Delete(directory, recursive: true);
                }

                break;
            default:
                throw new ArgumentException(corruption, nameof(corruption));
        }
    }

    private Task<CliResult> SyncAsync() =>
        _cli.RunAsync("sync", "--repo", _remote.BarePath, "--path", "apps", "--keys", TestSealer.KeyFile, "--cache-dir", Cache, "--target", $"directory:{_local.File("out")}");

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }
}
