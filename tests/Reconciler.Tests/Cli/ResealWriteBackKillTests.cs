using System.Diagnostics;
using GitOpsSecrets.IO;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// kill -9 during the reseal write-back (issue 17, point 4): the real program, <c>reseal --commit --push</c>
/// into a bare repository, SIGKILLed again and again: half the time at a named crash point (the files
/// rewritten but not committed, committed but not pushed, pushed but not reported), half at a seeded random
/// moment of the run. After each kill the job is run again, and after every run that finishes the remote holds
/// every SealedSecret resealed, with exactly one reseal commit per change that needed one: no commit pushed
/// twice, none lost. Two shapes of the job: CI's (a fresh clone per run) and a kept work tree (the same clone
/// rerun, where a commit left unpushed by a kill must be pushed by the rerun).
/// </summary>
public sealed class ResealWriteBackKillTests(ITestOutputHelper output) : IDisposable
{
    private const int KillsPerScenario = 20;
    private const string Planted = "planted-writeback-kill-7c41";
    private const string ResealSubject = "Reseal ";

    private readonly RemoteRepository _remote = new();

    public static TheoryData<string> Scenarios() => ["fresh clone per run", "kept work tree"];

    public void Dispose() => _remote.Dispose();

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task KilledDuringCommitAndPush_TheRerunConverges_AndNoCommitIsPushedTwice(string scenario)
    {
        var keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var seed = Environment.GetEnvironmentVariable("GITOPS_SECRETS_KILL_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"scenario {scenario}: seed {seed} (set GITOPS_SECRETS_KILL_SEED to repeat)");
        var random = new Random(seed);
        var kept = scenario == "kept work tree";

        // Each round adds one stale file (sealed to the old key) next to those already resealed: the job has work.
        var round = 0;
        AddStaleFile(round);
        var clones = 0;
        string NextClone() => _remote.Clone($"ci-{clones++}");
        var clone = NextClone();

        var calibration = Stopwatch.StartNew();
        var first = await CliProcess.RunAsync(TimeSpan.FromMinutes(2), ResealArgs(clone, keys));
        var span = calibration.Elapsed;
        first.ExitCode.ShouldBe(0, first.ToString());
        AssertConverged(round, $"seed {seed}, first run");

        var kills = new Dictionary<string, int>(StringComparer.Ordinal);
        var runs = 0;
        var staleLocks = 0;
        round++;
        AddStaleFile(round);
        while (kills.Values.Sum() < KillsPerScenario && runs < KillsPerScenario * 4)
        {
            runs++;
            if (!kept)
            {
                clone = NextClone();
            }
            else
            {
                // A kept work tree is brought up to date the way a job would (rebase keeps an unpushed commit on top).
                GitCli.Run(clone, "status", "--porcelain").ShouldBeEmpty($"seed {seed}: the kept work tree is clean before run {runs}");
                GitCli.Run(clone, "pull", "--quiet", "--rebase", "origin", "main");
            }

            string how;
            int exit;
            if (random.Next(2) == 0)
            {
                string[] points = [CrashPoints.WriteBackChanged, CrashPoints.WriteBackCommitted, CrashPoints.WriteBackPushed];
                how = points[random.Next(points.Length)];
                exit = await RunToCrashPointAsync(clone, keys, how);
            }
            else
            {
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * span.TotalMilliseconds);
                how = $"after {delay.TotalMilliseconds:0} ms";
                exit = await RunAndKillAsync(clone, keys, delay);
            }

            AssertNoCommitTwice(round, $"seed {seed}, run {runs} ({how})");
            if (exit == 137)
            {
                var key = how.StartsWith("after", StringComparison.Ordinal) ? "random moment" : how;
                kills[key] = kills.GetValueOrDefault(key) + 1;
                if (kept)
                {
                    // Killed with files rewritten and nothing committed, the rerun refuses the dirty tree (it would
                    // sweep unknown changes into its commit): a job starts from a clean tree of its branch. A commit
                    // the kill left unpushed is kept, and must reach the remote through the rerun.
                    if (File.Exists(Path.Combine(clone, ".git", "index.lock")))
                    {
                        staleLocks++;
                        File.Delete(Path.Combine(clone, ".git", "index.lock"));
                    }

                    GitCli.Run(clone, "reset", "--quiet", "--hard", "HEAD");
                }

                continue;
            }

            exit.ShouldBe(0, $"seed {seed}: a run that was not killed succeeds");
            AssertConverged(round, $"seed {seed}, after run {runs} ({how})");
            round++;
            AddStaleFile(round);
        }

        output.WriteLine($"scenario {scenario}: {kills.Values.Sum()} kills in {runs} runs over {round} rounds, {staleLocks} stale index.lock removed (calibrated run: {span.TotalMilliseconds:0} ms): {string.Join(", ", kills.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}");
        kills.Values.Sum().ShouldBe(KillsPerScenario, $"seed {seed}: too few runs were still going when killed");

        // The restart: one more run finishes the last round.
        if (!kept)
        {
            clone = NextClone();
        }
        else
        {
            GitCli.Run(clone, "pull", "--quiet", "--rebase", "origin", "main");
        }

        var restart = await CliProcess.RunAsync(TimeSpan.FromMinutes(2), ResealArgs(clone, keys));
        restart.ExitCode.ShouldBe(0, $"seed {seed}: {restart}");
        AssertConverged(round, $"seed {seed}, after the restart");
        restart.All.ShouldNotContain(Planted, customMessage: "no value in the output");
    }

    private static string[] ResealArgs(string clone, string keys) =>
        ["reseal", Path.Combine(clone, "apps"), "--keys", keys, "--commit", "--push", "--author", "Reseal Bot <bot@example.test>"];

    private void AddStaleFile(int round)
    {
        // The author clone follows the remote first: reseal commits land there between rounds.
        if (GitCli.Run(_remote.AuthorPath, "ls-remote", "--heads", "origin", "main").Length > 0)
        {
            GitCli.Run(_remote.AuthorPath, "pull", "--quiet", "--rebase", "origin", "main");
        }

        using var oldKey = TestKeys.Old();
        _remote.Commit($"stale secret {round}", $"apps/s{round}.yaml", SealedFiles.Yaml(SealedFiles.Seal(oldKey, "team", $"s{round}", new Dictionary<string, string> { ["password"] = $"{Planted}-{round}" })));
    }

    /// <summary>Commits on the remote's main whose subject is a reseal commit's.</summary>
    private List<string> ResealCommits() =>
        GitCli.Run(_remote.BarePath, "log", "--format=%H %s", "main").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l[41..].StartsWith(ResealSubject, StringComparison.Ordinal)).ToList();

    /// <summary>At most one reseal commit per round so far, and every reseal commit changes something.</summary>
    private void AssertNoCommitTwice(int round, string context)
    {
        var commits = ResealCommits();
        commits.Count.ShouldBeLessThanOrEqualTo(round + 1, $"{context}: more reseal commits than changes that needed one:\n{string.Join('\n', commits)}");
        foreach (var commit in commits)
        {
            GitCli.Run(_remote.BarePath, "diff", "--name-only", $"{commit[..40]}~1", commit[..40]).ShouldNotBeEmpty($"{context}: an empty reseal commit {commit}");
        }
    }

    /// <summary>The remote holds rounds 0..round all resealed (opened with the new key alone), with exactly one reseal commit each.</summary>
    private void AssertConverged(int round, string context)
    {
        ResealCommits().Count.ShouldBe(round + 1, $"{context}: one reseal commit per round:\n{GitCli.Run(_remote.BarePath, "log", "--format=%h %s", "main")}");
        var check = _remote.Scratch($"check-{Guid.NewGuid():N}");
        for (var i = 0; i <= round; i++)
        {
            var file = Path.Combine(check, $"s{i}.yaml");
            File.WriteAllText(file, GitCli.Run(_remote.BarePath, "show", $"main:apps/s{i}.yaml") + "\n");
            var opened = SealedFiles.Open(file, TestKeys.New()).Single(); // Open's key ring disposes the key
            opened.Values.ShouldNotBeNull($"{context}: apps/s{i}.yaml on the remote opens with the new key alone");
            opened.Values["password"].ShouldBe($"{Planted}-{i}", context);
        }
    }

    /// <summary>Runs with a crash point armed; the exit code (137 when it killed itself there).</summary>
    private static async Task<int> RunToCrashPointAsync(string clone, string keys, string point)
    {
        using var process = CliProcess.Start(new Dictionary<string, string> { [CrashPoints.EnvironmentVariable] = point }, ResealArgs(clone, keys));
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var streams = await drain;
        process.ExitCode.ShouldBeOneOf([0, 137], $"crash point {point}: {streams[0]}{streams[1]}");
        return process.ExitCode;
    }

    private static async Task<int> RunAndKillAsync(string clone, string keys, TimeSpan delay)
    {
        using var process = CliProcess.Start(ResealArgs(clone, keys));
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        var exited = process.WaitForExitAsync();

        // The kill moment: a seeded random point within one run's calibrated duration (not a wait for a result).
        if (await Task.WhenAny(exited, Task.Delay(delay)) == exited)
        {
            var streams = await drain;
            process.ExitCode.ShouldBe(0, $"a run that was not killed must succeed: {streams[0]}{streams[1]}");
            return 0;
        }

        process.Kill(entireProcessTree: false); // SIGKILL on Unix: no finally blocks, no flush, no cleanup.
        await exited;
        await drain;
        return 137;
    }
}
