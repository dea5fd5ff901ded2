using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using Xunit.Abstractions;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// The fault suite for the <c>run</c> worker (issue 17, point 4): the real program as a child process, a bare git
/// remote, a directory target and a key directory, SIGKILLed at least 20 times per scenario and restarted each
/// time. "sync": the remote's head flips between two revisions before every start, and the worker is killed at a
/// named crash point of the sync or at a seeded random moment after its "Listening on" line; after every kill
/// each Secret a reader sees is whole, and after the last restart the target holds exactly the head's content
/// with no <c>..new-*</c>/<c>..deleting-*</c> leftover. "key renewal": every round makes a renewal due (a cutoff
/// time after the newest key) and kills the worker between generating and storing the key, after storing it, or
/// at a random moment; each round ends with a clean run, after which exactly one key was added in the round
/// (none lost, none made twice) and every key file is still there and loadable.
/// </summary>
public sealed partial class WorkerKillNineTests(ITestOutputHelper output) : IDisposable
{
    private const int KillsPerScenario = 20;
    private const int Secrets = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly RemoteRepository _remote = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private string Root => Path.Combine(_remote.Scratch("out"));

    private string KeyDirectory => _remote.Scratch("keys");

    public void Dispose()
    {
        _http.Dispose();
        _remote.Dispose();
    }

    [Fact]
    public async Task Run_KilledDuringSyncs_TheRestartConvergesExactly_AndNothingIsLeftBehind()
    {
        var random = Seeded("sync");
        SealedFiles.WriteKeyPair(KeyDirectory, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var revisions = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
        using (var key = TestKeys.New())
        {
            foreach (var name in new[] { "a", "b" })
            {
                revisions[name] = Enumerable.Range(0, Secrets).ToDictionary(i => $"apps/s{i}.yaml", i => (string?)SealedFiles.Yaml(SealedFiles.Seal(key, "team", $"s{i}", Values(name, i))));
            }
        }

        var current = "a";
        var head = _remote.Commit("a", revisions["a"]);
        var span = await CalibrateAsync(SyncArgs(), head);

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var kills = 0;
        for (var run = 1; kills < KillsPerScenario && run <= KillsPerScenario * 3; run++)
        {
            // Flip the head before each start, so every run has work to do when it is killed.
            current = current == "a" ? "b" : "a";
            head = _remote.Commit(current, revisions[current]);
            string how;
            if (random.Next(2) == 0)
            {
                string[] points = [CrashPoints.Indexed, CrashPoints.Decrypted, CrashPoints.GenerationWritten, CrashPoints.DataSwapped];
                how = $"{points[random.Next(points.Length)]}:{random.Next(1, 3)}";
                await using var worker = await WorkerRun.StartAsync(SyncArgs(), new Dictionary<string, string> { [CrashPoints.EnvironmentVariable] = how });
                var crashed = await worker.CrashedOrSyncedAsync(() => SyncedAsync(worker, head));
                Count(outcomes, crashed ? $"crash point {how.Split(':')[0]}" : "crash point not reached (run finished)");
                kills += crashed ? 1 : 0;
            }
            else
            {
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * span.TotalMilliseconds);
                how = $"random {delay.TotalMilliseconds:0} ms after Listening on";
                await using var worker = await WorkerRun.StartAsync(SyncArgs(), new Dictionary<string, string>());
                // The kill moment: a seeded random point within one sync's calibrated duration (not a wait for a result).
                await Task.Delay(delay);
                var finished = await SyncedAsync(worker, head);
                worker.Kill();
                Count(outcomes, finished ? "random moment (sync had finished)" : "random moment (mid-sync)");
                kills++;
            }

            AssertWhole(revisions.Keys, $"kill after run {run} ({how}) towards {current}");
        }

        output.WriteLine($"sync: {kills} kills (calibrated sync {span.TotalMilliseconds:0} ms): {Describe(outcomes)}");
        kills.ShouldBeGreaterThanOrEqualTo(KillsPerScenario, "too few runs were killed");

        await using (var worker = await WorkerRun.StartAsync(SyncArgs(), new Dictionary<string, string>()))
        {
            await AwaitSyncedAsync(worker, head, "final restart");
            worker.Output.ShouldNotContain("planted", customMessage: "no value in the worker's output");
        }

        AssertExactly(current);
        output.WriteLine($"sync: survived {kills} kills; the restart converged on {current} ({head[..8]})");
    }

    [Fact]
    public async Task Run_KilledDuringKeyRenewal_NoKeyIsLostOrMadeTwice()
    {
        var random = Seeded("key renewal");
        SealedFiles.WriteKeyPair(KeyDirectory, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using (var key = TestKeys.New())
        {
            _remote.Commit("one", "apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(key, "team", "db", new Dictionary<string, string> { ["password"] = "renewal-planted" })));
        }

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var kills = 0;
        var rounds = 0;
        var span = TimeSpan.FromSeconds(3);
        while (kills < KillsPerScenario && rounds < KillsPerScenario * 2)
        {
            rounds++;
            var before = KeyFiles();
            var fingerprints = Load().Select(k => k.Fingerprint).ToHashSet(StringComparer.Ordinal);

            // A cutoff after the newest key makes exactly one renewal due. Key NotBefore times are truncated to the
            // second, so the cutoff is a whole second, taken after waiting for the next one: every key made before
            // it is older, and a key made in this round (NotBefore >= cutoff) is not, even within the same second.
            await Task.Delay(TimeSpan.FromMilliseconds(1010 - DateTimeOffset.UtcNow.Millisecond));
            var now = DateTimeOffset.UtcNow;
            var cutoff = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            for (var attempt = random.Next(1, 3); attempt > 0; attempt--)
            {
                string how;
                if (random.Next(3) > 0)
                {
                    how = random.Next(2) == 0 ? CrashPoints.KeyGenerated : CrashPoints.KeyStored;
                    await using var worker = await WorkerRun.StartAsync(RenewalArgs(cutoff), new Dictionary<string, string> { [CrashPoints.EnvironmentVariable] = how });
                    var crashed = await worker.CrashedOrSyncedAsync(() => RenewalCheckedAsync(worker));
                    Count(outcomes, crashed ? $"crash point {how}" : $"{how} not reached (renewal no longer due)");
                    kills += crashed ? 1 : 0;
                }
                else
                {
                    var delay = TimeSpan.FromMilliseconds(random.NextDouble() * span.TotalMilliseconds);
                    how = $"random {delay.TotalMilliseconds:0} ms";
                    await using var worker = await WorkerRun.StartAsync(RenewalArgs(cutoff), new Dictionary<string, string>());
                    await Task.Delay(delay); // the kill moment, seeded; not a wait for a result
                    var checkedAlready = await RenewalCheckedAsync(worker);
                    worker.Kill();
                    Count(outcomes, checkedAlready ? "random moment (renewal had finished)" : "random moment (before or during renewal)");
                    kills++;
                }

                before.Except(KeyFiles()).ShouldBeEmpty($"round {rounds}, after a kill ({how}): no key file lost");
                (KeyFiles().Count - before.Count).ShouldBeLessThanOrEqualTo(1, $"round {rounds}, after a kill ({how}): at most one key for one renewal due");
            }

            // The clean run of the round: the renewal due is done exactly once, whatever the kills left.
            var clean = Stopwatch.StartNew();
            await using (var worker = await WorkerRun.StartAsync(RenewalArgs(cutoff), new Dictionary<string, string>()))
            {
                await AwaitAsync(() => RenewalCheckedAsync(worker), worker, $"round {rounds}: the renewal check");
                span = clean.Elapsed;
                var status = await StatusAsync(worker);
                ((int?)status?["keys"]?["count"]).ShouldBe(fingerprints.Count + 1, $"round {rounds}: the worker holds the old keys and one new one");
            }

            var after = KeyFiles();
            before.Except(after).ShouldBeEmpty($"round {rounds}: no key file lost");
            (after.Count - before.Count).ShouldBe(1, $"round {rounds}: exactly one key for one renewal due, not {after.Count - before.Count}: {string.Join(", ", after.Except(before))}");
            var loaded = Load();
            loaded.Count.ShouldBe(fingerprints.Count + 1, $"round {rounds}: every key loads");
            loaded.ShouldAllBe(k => k.CanUnseal, $"round {rounds}: every key can unseal");
            fingerprints.Except(loaded.Select(k => k.Fingerprint)).ShouldBeEmpty($"round {rounds}: the keys before the round are all still there");
            foreach (var key in loaded)
            {
                key.Dispose();
            }
        }

        var leftovers = Directory.GetFiles(KeyDirectory, ".*.tmp");
        output.WriteLine($"key renewal: {kills} kills in {rounds} rounds, {KeyFiles().Count} key files ({rounds} added), {leftovers.Length} temporary files left in the key directory: {Describe(outcomes)}");
        kills.ShouldBeGreaterThanOrEqualTo(KillsPerScenario, "too few runs were killed");
        File.ReadAllText(Path.Combine(Root, "team", "db", "password")).ShouldBe("renewal-planted");
    }

    [Fact]
    public async Task Run_KilledDuringKubernetesApplies_EverySecretIsOneRevisionWhole_AndTheRestartConvergesWithoutTouchingOthers()
    {
        var random = Seeded("kubernetes apply");
        await using var server = await ApiServer.StartAsync();
        server.CreateNamespace("team");
        var foreign = server.SeedSecret("team", "foreign", new Dictionary<string, string> { ["token"] = "not-ours" });
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_remote.Scratch("kube"), "kubeconfig"));
        SealedFiles.WriteKeyPair(KeyDirectory, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);

        // Revision a has one Secret more than b, so a restart after a kill also has to prune (only it).
        var revisions = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
        using (var key = TestKeys.New())
        {
            foreach (var name in new[] { "a", "b" })
            {
                revisions[name] = Enumerable.Range(0, ClusterSecrets).ToDictionary(i => $"apps/s{i}.yaml", i => (string?)SealedFiles.Yaml(SealedFiles.Seal(key, "team", $"s{i}", Values(name, i))));
            }

            revisions["a"]["apps/only-a.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(key, "team", "only-a", new Dictionary<string, string> { ["password"] = "only-a-planted" }));
            revisions["b"]["apps/only-a.yaml"] = null;
        }

        // Every write is slowed, so a sync spends most of its time between its first and last apply.
        server.Faults.Delay(r => r.Verb is "apply" or "patch" or "delete" && r.ResourcePlural == "secrets", TimeSpan.FromMilliseconds(60));
        string[] args = ["run", "--repo", _remote.BarePath, "--ref", "main", "--path", "apps", "--keys", KeyDirectory, "--target", "kubernetes", "--kubeconfig", kubeconfig, "--cache-dir", _remote.Scratch("kube-cache"), "--interval", "1h", "--listen", "127.0.0.1:0", "--key-renew-period", "0"];
        var contentOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var current = "a";
        var head = _remote.Commit("a", revisions["a"]);
        contentOf[head] = current;
        var span = await CalibrateAsync(args, head);

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var kills = 0;
        for (var run = 1; kills < KillsPerScenario && run <= KillsPerScenario * 3; run++)
        {
            current = current == "a" ? "b" : "a";
            head = _remote.Commit(current, revisions[current]);
            contentOf[head] = current;
            var writesBefore = server.Requests.Writes.Count;
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * span.TotalMilliseconds);
            await using (var worker = await WorkerRun.StartAsync(args, new Dictionary<string, string>()))
            {
                await Task.Delay(delay); // the kill moment, seeded within one calibrated sync; not a wait for a result
                var finished = await SyncedAsync(worker, head);
                worker.Kill();
                var writes = server.Requests.Writes.Count - writesBefore;
                Count(outcomes, finished ? "after the sync" : writes == 0 ? "before the first write" : "between writes (mid-apply)");
                kills++;
            }

            AssertClusterWhole(server, contentOf, $"kill after run {run} ({delay.TotalMilliseconds:0} ms) towards {current}");
            server.Secret("team", "foreign")!.ToJsonString().ShouldBe(foreign.ToJsonString(), $"run {run}: a Secret that is not ours is never touched");
        }

        output.WriteLine($"kubernetes apply: {kills} kills (calibrated sync {span.TotalMilliseconds:0} ms): {Describe(outcomes)}");
        kills.ShouldBeGreaterThanOrEqualTo(KillsPerScenario, "too few runs were killed");
        outcomes.GetValueOrDefault("between writes (mid-apply)").ShouldBeGreaterThan(0, $"no kill landed between two applies: {Describe(outcomes)}");

        server.Faults.Clear();
        await using (var worker = await WorkerRun.StartAsync(args, new Dictionary<string, string>()))
        {
            await AwaitSyncedAsync(worker, head, "final restart");
            worker.Output.ShouldNotContain("planted", customMessage: "no value in the worker's output");
        }

        var managed = ManagedSecrets(server);
        managed.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, ClusterSecrets).Select(i => $"s{i}").Concat(current == "a" ? ["only-a"] : []).Order(StringComparer.Ordinal), $"after the restart: exactly revision {current}'s Secrets");
        for (var i = 0; i < ClusterSecrets; i++)
        {
            Same(managed[$"s{i}"].Values, Values(current, i)).ShouldBeTrue($"after the restart: team/s{i} holds revision {current}");
        }

        server.Secret("team", "foreign")!.ToJsonString().ShouldBe(foreign.ToJsonString(), "after the restart: the foreign Secret is untouched");

        // Converged means converged: one more start at the same head writes nothing.
        var settled = server.Requests.Writes.Count;
        await using (var worker = await WorkerRun.StartAsync(args, new Dictionary<string, string>()))
        {
            await AwaitSyncedAsync(worker, head, "no-change restart");
        }

        server.Requests.Writes.Skip(settled).Where(r => r.ResourcePlural == "secrets").ShouldBeEmpty("a restart at the converged head writes no Secret");
        output.WriteLine($"kubernetes apply: survived {kills} kills; the restart converged on {current} ({head[..8]})");
    }

    private const int ClusterSecrets = 12;

    /// <summary>Every Secret of ours holds one revision's values whole, and its revision annotation names a commit with exactly those values.</summary>
    private static void AssertClusterWhole(ApiServer server, Dictionary<string, string> contentOf, string context)
    {
        foreach (var (name, secret) in ManagedSecrets(server))
        {
            contentOf.TryGetValue(secret.Revision, out var content).ShouldBeTrue($"{context}: team/{name} names revision {secret.Revision}, which was never the head");
            var expected = name == "only-a" ? new Dictionary<string, string>(StringComparer.Ordinal) { ["password"] = "only-a-planted" } : Values(content!, int.Parse(name[1..], CultureInfo.InvariantCulture));
            Same(secret.Values, expected).ShouldBeTrue($"{context}: team/{name} shows [{string.Join(", ", secret.Values.Keys)}], not revision {content} whole");
        }
    }

    private static Dictionary<string, (string Revision, Dictionary<string, string> Values)> ManagedSecrets(ApiServer server) =>
        server.Store.List(KubeApiServer.ResourceTypes.Secrets, "team")
            .Where(s => (string?)s["metadata"]?["labels"]?[ManagedMetadata.ManagedByLabel] == ManagedMetadata.ManagedByValue)
            .ToDictionary(
                s => (string)s["metadata"]!["name"]!,
                s => (
                    Revision: ((string?)s["metadata"]?["annotations"]?[ManagedMetadata.RevisionAnnotation] ?? string.Empty).Split(':')[^1],
                    Values: server.SecretText("team", (string)s["metadata"]!["name"]!)!.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)),
                StringComparer.Ordinal);

    /// <summary>How long one sync of <paramref name="head"/> takes once the worker listens: the window the seeded kill moments fall in.</summary>
    private async Task<TimeSpan> CalibrateAsync(string[] args, string head)
    {
        await using var worker = await WorkerRun.StartAsync(args, new Dictionary<string, string>());
        var started = Stopwatch.StartNew();
        await AwaitSyncedAsync(worker, head, "calibration");
        return started.Elapsed;
    }

    private Random Seeded(string scenario)
    {
        var seed = Environment.GetEnvironmentVariable("GITOPS_SECRETS_KILL_SEED") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"{scenario}: seed {seed} (set GITOPS_SECRETS_KILL_SEED to repeat)");
        return new Random(seed);
    }

    private string[] CommonArgs() =>
        ["run", "--repo", _remote.BarePath, "--ref", "main", "--path", "apps", "--keys", KeyDirectory, "--target", $"directory:{Root}", "--cache-dir", _remote.Scratch("cache"), "--interval", "1h", "--listen", "127.0.0.1:0"];

    private string[] SyncArgs() => [.. CommonArgs(), "--key-renew-period", "0"];

    private string[] RenewalArgs(string cutoff) => [.. CommonArgs(), "--key-renew-period", "1h", "--key-cutoff-time", cutoff];

    private static Dictionary<string, string> Values(string revision, int i) => revision == "a"
        ? new(StringComparer.Ordinal) { ["password"] = $"a-planted-{i}", ["user"] = $"user-{i}" }
        : new(StringComparer.Ordinal) { ["password"] = $"b-planted-{i}", ["extra"] = $"b-extra-planted-{i}" };

    private List<string> KeyFiles() => Directory.GetFiles(KeyDirectory).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();

    private List<SealingKey> Load()
    {
        var loaded = new DirectoryKeyStore(KeyDirectory).Load();
        loaded.Problems.ShouldBeEmpty("every key file loads");
        return [.. loaded.Keys];
    }

    private async Task<JsonNode?> StatusAsync(WorkerRun worker)
    {
        if (worker.Address is null)
        {
            return null; // it ended before it listened (a crash point on the way)
        }

        try
        {
            return JsonNode.Parse(await _http.GetStringAsync(new Uri(worker.Address, "/status")));
        }
        catch (HttpRequestException)
        {
            return null; // killed, or not serving yet
        }
    }

    private async Task<bool> SyncedAsync(WorkerRun worker, string head)
    {
        var sync = (await StatusAsync(worker))?["lastSync"];
        return (string?)sync?["result"] == "success" && ((string?)sync?["revision"])?.Contains(head, StringComparison.Ordinal) == true;
    }

    private async Task<bool> RenewalCheckedAsync(WorkerRun worker) => (await StatusAsync(worker))?["nextKeyRenewalAt"] is not null;

    private Task AwaitSyncedAsync(WorkerRun worker, string head, string what) => AwaitAsync(() => SyncedAsync(worker, head), worker, $"{what}: a successful sync of {head[..8]}");

    /// <summary>Polls the worker's status with a deadline.</summary>
    private static async Task AwaitAsync(Func<Task<bool>> condition, WorkerRun worker, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            worker.HasExited.ShouldBeFalse($"{what}: the worker exited:\n{worker.Output}");
            deadline.Elapsed.ShouldBeLessThan(Deadline, $"{what} did not happen in time:\n{worker.Output}");
            await Task.Delay(50);
        }
    }

    private void AssertWhole(IEnumerable<string> revisions, string context)
    {
        var names = revisions.ToList();
        foreach (var (name, values) in VisibleSecrets([]))
        {
            var matches = Enumerable.Range(0, Secrets).Any(i => name == $"s{i}" && names.Any(r => Same(values, Values(r, i))));
            matches.ShouldBeTrue($"{context}: team/{name} shows [{string.Join(", ", values.Keys)}], which is no revision whole");
        }
    }

    private void AssertExactly(string revision)
    {
        var dangling = new List<string>();
        var visible = VisibleSecrets(dangling);
        dangling.ShouldBeEmpty("after the restart: key links that lead nowhere");
        visible.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, Secrets).Select(i => $"s{i}"), "after the restart: the Secrets present");
        for (var i = 0; i < Secrets; i++)
        {
            Same(visible[$"s{i}"], Values(revision, i)).ShouldBeTrue($"after the restart: team/s{i} holds revision {revision}");
        }

        var everything = Directory.EnumerateFileSystemEntries(Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).ToList();
        everything.ShouldNotContain(p => Path.GetFileName(p).StartsWith("..new-", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("..deleting-", StringComparison.Ordinal) || Path.GetFileName(p) == "..data_tmp", $"after the restart: temporaries left: {string.Join(", ", everything)}");
        for (var i = 0; i < Secrets; i++)
        {
            Directory.GetDirectories(Path.Combine(Root, "team", $"s{i}")).Count(d => Path.GetFileName(d) != "..data").ShouldBe(1, $"after the restart: team/s{i} has one generation");
        }

        var other = revision == "a" ? "b" : "a";
        var stale = Enumerable.Range(0, Secrets).SelectMany(i => Values(other, i).Values).Where(v => v.Contains("planted", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        everything.Where(p => new FileInfo(p) is { LinkTarget: null, Exists: true }).Where(p => stale.Contains(File.ReadAllText(p))).ShouldBeEmpty("after the restart: values of the other revision are still on disk");
    }

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
                try
                {
                    values[key] = File.ReadAllText(Path.Combine(directory, key));
                }
                catch (FileNotFoundException)
                {
                    dangling.Add(Path.Combine(directory, key)); // a key being added or removed, as in kubelet's volumes
                }
            }

            found[Path.GetFileName(directory)] = values;
        }

        return found;
    }

    private static bool Same(Dictionary<string, string> actual, Dictionary<string, string> expected) =>
        actual.Count == expected.Count && actual.All(p => expected.TryGetValue(p.Key, out var v) && v == p.Value);

    private static void Count(Dictionary<string, int> outcomes, string outcome) => outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

    private static string Describe(Dictionary<string, int> outcomes) => string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));

    /// <summary>One <c>gitops-secrets run</c> child process: its output collected, its address read from "Listening on".</summary>
    private sealed partial class WorkerRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Lock _lock = new();
        private readonly System.Text.StringBuilder _output = new();
        private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _drain;

        private WorkerRun(Process process)
        {
            _process = process;
            _drain = Task.WhenAll(ReadAsync(process.StandardOutput), ReadAsync(process.StandardError));
        }

        public Uri? Address { get; private set; }

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_lock)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Starts the worker and awaits its "Listening on" line (or its exit: a crash point reached before it).</summary>
        public static async Task<WorkerRun> StartAsync(string[] args, IReadOnlyDictionary<string, string> environment)
        {
            var run = new WorkerRun(CliProcess.Start(environment, args));
            var exited = run._process.WaitForExitAsync();
            var first = await Task.WhenAny(run._listening.Task, exited).WaitAsync(Deadline);
            if (first == run._listening.Task)
            {
                run.Address = await run._listening.Task;
            }

            return run;
        }

        /// <summary>Awaits the worker killing itself at its crash point (true) or <paramref name="done"/> (false; then it is killed).</summary>
        public async Task<bool> CrashedOrSyncedAsync(Func<Task<bool>> done)
        {
            var deadline = Stopwatch.StartNew();
            while (!_process.HasExited)
            {
                if (Address is not null && await done())
                {
                    Kill();
                    return false;
                }

                deadline.Elapsed.ShouldBeLessThan(Deadline, $"neither the crash point nor the end of the work was reached:\n{Output}");
                await Task.Delay(50);
            }

            await _process.WaitForExitAsync();
            _process.ExitCode.ShouldBe(137, $"the worker must only end by its crash point's SIGKILL:\n{Output}");
            return true;
        }

        /// <summary>SIGKILL: no finally blocks, no flush, no cleanup.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Kill();
            await _process.WaitForExitAsync();
            await _drain;
            _process.Dispose();
        }

        private async Task ReadAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_lock)
                {
                    _output.AppendLine(line);
                }

                if (ListeningOn().Match(line) is { Success: true } match)
                {
                    _listening.TrySetResult(new Uri(match.Groups[1].Value));
                }
            }
        }

        [GeneratedRegex(@"Listening on (http://[^\s,]+)")]
        private static partial Regex ListeningOn();
    }
}
