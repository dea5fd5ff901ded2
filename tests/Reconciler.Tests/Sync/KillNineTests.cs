using System.Diagnostics;
using GitOpsSecrets.IO;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>
/// The fault suite for <c>sync</c> into a directory target (issue 17, point 4): the real program, a real git
/// remote, killed with SIGKILL again and again: half the time at a named crash point (<see cref="CrashPoints"/>:
/// after indexing, after decrypting the n-th Secret, between a generation's files and the <c>..data</c> swap,
/// after the swap, before a staged Secret is renamed into place, between a delete's rename and its removal),
/// half the time at a seeded random moment (fetch and checkout included). After every kill, whatever a reader sees is whole (each Secret all of one revision, never a mix or
/// a half-written file); after the restart the target holds exactly the right content, with no staging or
/// deleting directory, no stray generation and no value of the other revision anywhere under the root.
/// </summary>
public sealed class KillNineTests(ITestOutputHelper output) : IDisposable
{
    private const int KillsPerScenario = 20;
    private const int Secrets = 6;
    private readonly RemoteRepository _remote = new();
    private readonly TestSealer _sealer = new();
    private readonly TempDirectory _local = new();

    private string Root => _local.File("out");

    private string Cache => _local.File("cache");

    public static TheoryData<string> Scenarios() => ["create and prune", "update"];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task KilledAtRandomPoints_TheRestartConvergesExactly_AndNothingIsLeftBehind(string scenario)
    {
        // Two revisions on two branches; each run syncs towards one of them, and a run that finishes before its
        // kill flips the direction, so every run has work to do when it is killed.
        var (from, to) = scenario == "create and prune" ? (Revision.Empty, Revision.Full("a")) : (Revision.Full("a"), Revision.Full("b"));
        Publish("from", from);
        Publish("to", to);
        var seed = Environment.GetEnvironmentVariable("GITOPS_SECRETS_KILL_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"scenario {scenario}: seed {seed} (set GITOPS_SECRETS_KILL_SEED to repeat)");
        var random = new Random(seed);

        (await SyncAsync("from")).ExitCode.ShouldBe(0);
        var calibration = Stopwatch.StartNew();
        (await SyncAsync("to")).ExitCode.ShouldBe(0);
        var span = calibration.Elapsed;
        (await SyncAsync("from")).ExitCode.ShouldBe(0);

        var kills = new Dictionary<string, int>(StringComparer.Ordinal);
        var runs = 0;
        var (branch, other) = ("to", "from");
        while (kills.Values.Sum() < KillsPerScenario && runs < KillsPerScenario * 4)
        {
            runs++;
            var (towards, away) = branch == "to" ? (to, from) : (from, to);

            // Half the kills at a named point (exactly between two steps that must survive it, on the n-th
            // Secret), half at a random moment of a sync (anywhere: git fetch and checkout included).
            string how;
            bool killed;
            if (random.Next(2) == 0)
            {
                var points = PointsBetween(away, towards);
                var point = points[random.Next(points.Count)];
                var nth = random.Next(1, 3); // early Secrets: later ones may already be done by an earlier killed run
                how = $"{point}:{nth}";
                killed = await RunToCrashPointAsync(branch, how);
            }
            else
            {
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * span.TotalMilliseconds);
                how = $"after {delay.TotalMilliseconds:0} ms";
                killed = await RunAndKillAsync(branch, delay);
            }

            if (killed)
            {
                var key = how.Split(':')[0].StartsWith("after", StringComparison.Ordinal) ? "random moment" : how.Split(':')[0];
                kills[key] = kills.GetValueOrDefault(key) + 1;
                AssertWhole(from, to, $"seed {seed}, kill {kills.Values.Sum()} ({how}) towards {branch}");
            }
            else
            {
                (branch, other) = (other, branch);
            }
        }

        output.WriteLine($"scenario {scenario}: {kills.Values.Sum()} kills in {runs} runs (calibrated sync: {span.TotalMilliseconds:0} ms): {string.Join(", ", kills.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}");
        kills.Values.Sum().ShouldBe(KillsPerScenario, $"seed {seed}: too few runs were still going when killed");

        var restart = await SyncAsync(branch);
        restart.ExitCode.ShouldBe(0, $"seed {seed}: {restart}");
        var expected = branch == "to" ? to : from;
        AssertExactly(expected, branch == "to" ? from : to, $"seed {seed}, after the restart");
        restart.All.ShouldNotContain("planted", customMessage: "no value in the output");
    }

    /// <summary>The crash points a sync from one revision to the other passes.</summary>
    private static List<string> PointsBetween(Revision from, Revision to) =>
        (from.Name, to.Name) switch
        {
            (null, _) => [CrashPoints.Indexed, CrashPoints.Decrypted, CrashPoints.Staged],
            (_, null) => [CrashPoints.Indexed, CrashPoints.DeleteRenamed],
            _ => [CrashPoints.Indexed, CrashPoints.Decrypted, CrashPoints.GenerationWritten, CrashPoints.DataSwapped],
        };

    /// <summary>Runs with a crash point armed; true when the process killed itself there (SIGKILL: exit 137).</summary>
    private async Task<bool> RunToCrashPointAsync(string branch, string point)
    {
        using var process = CliProcess.Start(new Dictionary<string, string> { [CrashPoints.EnvironmentVariable] = point }, SyncArgs(branch));
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var (stdout, stderr) = ((await drain)[0], (await drain)[1]);
        process.ExitCode.ShouldBeOneOf([0, 137], $"crash point {point}: {stdout}{stderr}");
        return process.ExitCode == 137;
    }

    private async Task<bool> RunAndKillAsync(string branch, TimeSpan delay)
    {
        using var process = CliProcess.Start(SyncArgs(branch));
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        var exited = process.WaitForExitAsync();
        // The kill moment: a seeded random point within one sync's calibrated duration (not a wait for a result).
        if (await Task.WhenAny(exited, Task.Delay(delay)) == exited)
        {
            var finished = await drain;
            process.ExitCode.ShouldBe(0, $"a run that was not killed must succeed: {finished[0]}{finished[1]}");
            return false;
        }

        process.Kill(entireProcessTree: false); // SIGKILL on Unix: no finally blocks, no flush, no cleanup.
        await exited;
        await drain;
        return true;
    }

    private string[] SyncArgs(string branch) =>
        ["sync", "--repo", _remote.BarePath, "--ref", branch, "--path", "apps", "--keys", TestSealer.KeyFile, "--cache-dir", Cache, "--target", $"directory:{Root}", "--lock-timeout", "30s"];

    private Task<CliResult> SyncAsync(string branch) => CliProcess.RunAsync(TimeSpan.FromMinutes(2), SyncArgs(branch));

    private void Publish(string branch, Revision revision)
    {
        _remote.Checkout("main");
        var files = Enumerable.Range(0, Secrets).ToDictionary(
            i => $"apps/s{i}.yaml",
            i => revision.Values(i) is { } values ? _sealer.Yaml("team", $"s{i}", values) : (string?)null);
        if (revision.Values(0) is null)
        {
            files = new Dictionary<string, string?> { ["apps/README.md"] = "nothing sealed here\n" };
        }

        GitCli.Run(_remote.AuthorPath, "checkout", "--quiet", "--orphan", branch);
        GitCli.Run(_remote.AuthorPath, "rm", "-r", "--quiet", "--cached", "--ignore-unmatch", ".");
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(_remote.AuthorPath, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            GitCli.Run(_remote.AuthorPath, "add", path);
        }

        GitCli.Run(_remote.AuthorPath, "commit", "--quiet", "--allow-empty", "-m", branch);
        GitCli.Run(_remote.AuthorPath, "push", "--quiet", "origin", branch);
        GitCli.Run(_remote.AuthorPath, "clean", "-fdxq");
    }

    /// <summary>What a reader may see at any moment, even right after a kill: each Secret present is whole, of one revision.</summary>
    private void AssertWhole(Revision a, Revision b, string context)
    {
        foreach (var (name, values) in VisibleSecrets())
        {
            var matches = Enumerable.Range(0, Secrets).Any(i => name == $"s{i}" && (Same(values, a.Values(i)) || Same(values, b.Values(i))));
            matches.ShouldBeTrue($"{context}: team/{name} shows [{string.Join(", ", values.Select(p => $"{p.Key}={p.Value}"))}], which is neither revision whole");
        }
    }

    /// <summary>After the restart: exactly <paramref name="expected"/>, and no trace of <paramref name="other"/>'s values or of our temporaries.</summary>
    private void AssertExactly(Revision expected, Revision other, string context)
    {
        var dangling = new List<string>();
        var visible = VisibleSecrets(dangling);
        dangling.ShouldBeEmpty($"{context}: key links that lead nowhere");
        var names = Enumerable.Range(0, Secrets).Where(i => expected.Values(i) is not null).Select(i => $"s{i}").ToList();
        visible.Keys.Order(StringComparer.Ordinal).ShouldBe(names.Order(StringComparer.Ordinal), $"{context}: the Secrets present");
        for (var i = 0; i < Secrets; i++)
        {
            if (expected.Values(i) is { } values)
            {
                Same(visible[$"s{i}"], values).ShouldBeTrue($"{context}: team/s{i} content");
            }
        }

        var everything = Directory.EnumerateFileSystemEntries(Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).ToList();
        everything.ShouldNotContain(p => Path.GetFileName(p).StartsWith("..new-", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("..deleting-", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("..link-", StringComparison.Ordinal) || Path.GetFileName(p) == "..data_tmp", $"{context}: temporaries left: {string.Join(", ", everything)}");
        foreach (var secret in names)
        {
            Directory.GetDirectories(Path.Combine(Root, "team", secret)).Count(d => Path.GetFileName(d) != "..data").ShouldBe(1, $"{context}: team/{secret} has one generation");
        }

        var stale = Enumerable.Range(0, Secrets).Select(other.Values).OfType<Dictionary<string, string>>().SelectMany(v => v.Values).Where(v => v.Contains("planted", StringComparison.Ordinal)).ToHashSet();
        var leaks = everything.Where(p => new FileInfo(p) is { LinkTarget: null, Exists: true }).Where(p => stale.Contains(File.ReadAllText(p))).ToList();
        leaks.ShouldBeEmpty($"{context}: values of the other revision are still on disk");
    }

    /// <summary>Secrets as a reader of the volume sees them: each key read through its link.</summary>
    private Dictionary<string, Dictionary<string, string>> VisibleSecrets() => VisibleSecrets([]);

    private Dictionary<string, Dictionary<string, string>> VisibleSecrets(List<string> dangling)
    {
        var team = Path.Combine(Root, "team");
        var found = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!Directory.Exists(team))
        {
            return found;
        }

        foreach (var directory in Directory.GetDirectories(team).Where(d => !Path.GetFileName(d).StartsWith('.')))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith("..", StringComparison.Ordinal)))
            {
                // A link that does not resolve is a key the reader does not have (as in kubelet's volumes while
                // keys are added or removed); after a restart none may be left (checked in AssertExactly).
                try
                {
                    values[key] = File.ReadAllText(Path.Combine(directory, key));
                }
                catch (FileNotFoundException)
                {
                    dangling.Add(Path.Combine(directory, key));
                }
            }

            found[Path.GetFileName(directory)] = values;
        }

        return found;
    }

    private static bool Same(Dictionary<string, string> actual, Dictionary<string, string>? expected) =>
        expected is not null && actual.Count == expected.Count && actual.All(p => expected.TryGetValue(p.Key, out var v) && v == p.Value);

    public void Dispose()
    {
        _sealer.Dispose();
        _remote.Dispose();
        _local.Dispose();
    }

    /// <summary>One revision's Secrets: none (Empty) or six, whose values (and, in "b", keys) differ by revision.</summary>
    private sealed record Revision(string? Name)
    {
        public static Revision Empty { get; } = new((string?)null);

        public static Revision Full(string name) => new(name);

        public Dictionary<string, string>? Values(int i) => Name switch
        {
            null => null,
            "b" => new Dictionary<string, string>(StringComparer.Ordinal) { ["password"] = $"b-planted-{i}", ["extra"] = $"b-extra-planted-{i}" },
            _ => new Dictionary<string, string>(StringComparer.Ordinal) { ["password"] = $"{Name}-planted-{i}", ["user"] = $"user-{i}" },
        };
    }
}
