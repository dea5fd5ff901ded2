using GitOpsSecrets.IO;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>
/// Two or more syncs on one cache or one target (issue 17, point 5): the lock is held from the fetch to the
/// last write, a second sync waits for it or fails with exit 8 (ExitCodes.LockHeld) and one line, and racing syncs (in one process
/// or in several real ones) leave exactly one revision's content and nothing broken.
/// </summary>
public sealed class SyncLockTests : IDisposable
{
    private const int Secrets = 8;
    private readonly RemoteRepository _remote = new();
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();
    private readonly CliRunner _cli = new();

    private string Root => _local.File("out");

    private string Cache => _local.File("cache");

    [Fact]
    public async Task Sync_WhileAnotherHoldsTheTarget_ExitsLockHeldWithOneLineAndWritesNothing()
    {
        Commit("v1");
        using var held = await ProcessLock.AcquireAsync(new LockFile(Path.Combine(Root, "..gitops-secrets.lock"), "test"), TimeSpan.Zero, CancellationToken.None);

        var result = await _cli.RunAsync(SyncArgs(Cache, "--lock-timeout", "0s"));

        result.ExitCode.ShouldBe(GitOpsSecrets.Cli.ExitCodes.LockHeld, result.ToString());
        result.Stderr.Trim().Split('\n').ShouldHaveSingleItem(result.ToString());
        result.Stderr.ShouldStartWith($"error: another sync holds the lock on target directory:{Root} ({Root}) ({Path.Combine(Root, "..gitops-secrets.lock")})", Case.Sensitive, result.ToString());
        result.Stderr.ShouldContain("nothing was changed");
        Directory.GetDirectories(Root).ShouldBeEmpty("a sync that does not get the lock writes nothing");
    }

    [Fact]
    public async Task Sync_WhileAnotherHoldsTheCache_ExitsLockHeld()
    {
        Commit("v1");
        using var held = await ProcessLock.AcquireAsync(new LockFile(Path.Combine(Cache, "lock"), "test"), TimeSpan.Zero, CancellationToken.None);

        var result = await _cli.RunAsync(SyncArgs(Cache, "--lock-timeout", "100ms"));

        result.ExitCode.ShouldBe(GitOpsSecrets.Cli.ExitCodes.LockHeld, result.ToString());
        result.Stderr.ShouldStartWith($"error: another sync holds the lock on cache {Cache}", Case.Sensitive, result.ToString());
        Path.Exists(Root).ShouldBeFalse("nothing was fetched or written");
    }

    [Fact]
    public async Task Sync_WithATimeout_WaitsForTheHolderAndThenApplies()
    {
        Commit("v1");
        var held = await ProcessLock.AcquireAsync(new LockFile(Path.Combine(Root, "..gitops-secrets.lock"), "test"), TimeSpan.Zero, CancellationToken.None);

        var waiting = _cli.RunAsync(SyncArgs(Cache, "--lock-timeout", "2m"));
        held.Dispose();
        var result = await waiting;

        result.ExitCode.ShouldBe(0, result.ToString());
        AssertExactly("v1");
    }

    [Fact]
    public async Task InProcessSyncs_OnOneTargetAndCache_AllSucceedAndLeaveOneRevision()
    {
        Commit("v1");
        var first = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _cli.RunAsync(SyncArgs(Cache)))));
        first.ShouldAllBe(r => r.ExitCode == 0, string.Join("\n", first.Select(r => r.ToString())));
        AssertExactly("v1");

        Commit("v2");
        var second = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => _cli.RunAsync(SyncArgs(Cache + i)))));
        second.ShouldAllBe(r => r.ExitCode == 0, string.Join("\n", second.Select(r => r.ToString())));
        AssertExactly("v2");
    }

    [Fact]
    public async Task RealProcesses_FourSyncsOnOneTarget_SharedAndSeparateCaches_AllSucceedAndLeaveOneRevision()
    {
        foreach (var version in new[] { "v1", "v2" })
        {
            Commit(version);
            var caches = new[] { Cache, Cache, Cache + "-b", Cache + "-c" };
            var results = await Task.WhenAll(caches.Select(c => CliProcess.RunAsync(TimeSpan.FromMinutes(2), SyncArgs(c, "--lock-timeout", "2m"))));

            results.ShouldAllBe(r => r.ExitCode == 0, string.Join("\n", results.Select(r => r.ToString())));
            AssertExactly(version);
        }
    }

    private string[] SyncArgs(string cache, params string[] extra) =>
        ["sync", "--repo", _remote.BarePath, "--path", "apps", "--keys", TestSealer.KeyFile, "--cache-dir", cache, "--target", $"directory:{Root}", .. extra];

    private void Commit(string version)
    {
        var files = Enumerable.Range(0, Secrets).ToDictionary(
            i => $"apps/s{i}.yaml",
            i => (string?)_sealer.Yaml("team", $"s{i}", new Dictionary<string, string> { ["value"] = $"{version}-planted-{i}", ["version"] = version }));
        _remote.Commit(version, files);
    }

    /// <summary>Every Secret holds exactly this version's values, complete, with no leftovers anywhere.</summary>
    private void AssertExactly(string version)
    {
        var team = Path.Combine(Root, "team");
        Directory.GetFileSystemEntries(team).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, Secrets).Select(i => $"s{i}").Order(StringComparer.Ordinal), "only the Secrets, no ..new-*/..deleting-* leftovers");
        for (var i = 0; i < Secrets; i++)
        {
            var directory = Path.Combine(team, $"s{i}");
            File.ReadAllText(Path.Combine(directory, "value")).ShouldBe($"{version}-planted-{i}");
            File.ReadAllText(Path.Combine(directory, "version")).ShouldBe(version);
            Directory.GetDirectories(directory).Count(d => Path.GetFileName(d) != "..data").ShouldBe(1, $"s{i}: exactly one generation");
            Path.Exists(Path.Combine(directory, "..data_tmp")).ShouldBeFalse();
        }
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }
}
