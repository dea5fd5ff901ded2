using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Bench;

/// <summary>
/// The sync engine over a generated repository (default 10,000 SealedSecrets of 3 values over 100
/// namespaces) into a directory target, through the real Git source: a cold sync, a no-change sync and
/// a one-change sync in one worker process, then a restart sync in a fresh process. Each phase reports
/// wall time and RSA private operations; each process its peak RSS. The cold sync is compared with its
/// RSA-bound limit: values ÷ <c>openssl speed -multi CORES rsa4096</c>'s private-op rate.
/// </summary>
public static class SyncBenchmark
{
    public static int Run(string[] args)
    {
        var secrets = BenchOptions.Int(args, "--secrets", 10_000);
        var namespaces = BenchOptions.Int(args, "--namespaces", 100);
        var cores = Environment.ProcessorCount;
        var work = Path.Combine(Path.GetTempPath(), $"gitops-secrets-bench-sync-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine($"# sync: {secrets} SealedSecrets x {BenchRepository.ValuesPerSecret} values over {namespaces} namespaces, {cores} cores");
            var generated = Stopwatch.StartNew();
            BenchRepository.Generate(work, secrets, namespaces);
            Console.WriteLine($"generated and committed in {generated.Elapsed.TotalSeconds:F1}s");

            var worker = RunPhases(work, "cold,no-change-at-once,no-change,one-change");
            var restart = RunPhases(work, "restart");
            var reference = OpenSslSpeed.PrivateOpsPerSecond(cores, 5);
            var limit = secrets * BenchRepository.ValuesPerSecret / reference;

            Console.WriteLine($"openssl speed -multi {cores} rsa4096: {reference:F1} private ops/s; RSA-bound limit for the cold sync: {limit:F1}s");
            Console.WriteLine();
            Console.WriteLine("| phase | wall s | RSA private ops | created | updated | unchanged | peak RSS MB (process) |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var (phases, process) in new[] { (worker.Phases, worker), (restart.Phases, restart) })
            {
                foreach (var phase in phases)
                {
                    Console.WriteLine($"| {phase.Name} | {phase.Seconds:F2} | {phase.RsaOperations} | {phase.Created} | {phase.Updated} | {phase.Unchanged} | {process.PeakRssMegabytes:F0} |");
                }
            }

            var cold = worker.Phases.Single(p => p.Name == "cold");
            Console.WriteLine();
            Console.WriteLine($"cold sync / RSA-bound limit: {cold.Seconds / limit:F2} (target <= 1.20)");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs phases in a child process, so peak RSS is the sync's own and "restart" is a real one.</summary>
    private static PhaseRun RunPhases(string work, string phases)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (!Environment.ProcessPath!.EndsWith("Reconciler.Bench", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(SyncBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "sync-phases", work, phases })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the benchmark's child process");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sync phases {phases} failed (exit {process.ExitCode}):\n{output}");
        }

        return JsonSerializer.Deserialize<PhaseRun>(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!;
    }

    /// <summary>The child: one engine (one worker) running the phases in order.</summary>
    public static async Task<int> RunPhasesInProcess(string work, string phases)
    {
        var host = CliHost.FromProcess();
        // GITOPS_SECRETS_BENCH_VERBOSE=1 logs where each sync's time went (fetch, index, keys, observe, write, prune).
        using var services = host.CreateServices(CryptoEngine.OpenSsl, verbose: Environment.GetEnvironmentVariable("GITOPS_SECRETS_BENCH_VERBOSE") == "1");
        var engine = services.GetRequiredService<SyncEngineFactory>().Create(BenchRepository.Configuration(work));
        var counters = services.GetRequiredService<CryptoCounters>();
        var results = new List<PhaseResult>();
        foreach (var phase in phases.Split(','))
        {
            if (phase == "one-change")
            {
                BenchRepository.ChangeOneSecret(work);
            }

            if (phase is "no-change" or "one-change")
            {
                // Syncs in the worker are an interval apart. The directory target re-hashes files written in
                // the last two seconds (git's racy-timestamp rule), which only the at-once phase measures.
                await Task.Delay(TimeSpan.FromSeconds(2.5));
            }

            var before = counters.RsaPrivateOperations;
            var stopwatch = Stopwatch.StartNew();
            var report = await engine.SyncAsync(dryRun: false, progress: null, CancellationToken.None);
            stopwatch.Stop();
            if (report.HasFailures)
            {
                Console.WriteLine(ReportPrinter.Text(report));
                return 1;
            }

            var target = report.Targets.Single();
            results.Add(new PhaseResult(
                phase,
                stopwatch.Elapsed.TotalSeconds,
                counters.RsaPrivateOperations - before,
                target.Count(ChangeKind.Create),
                target.Count(ChangeKind.Update),
                target.Count(ChangeKind.Unchanged)));
        }

        Console.WriteLine(JsonSerializer.Serialize(new PhaseRun(results, PeakRssMegabytes())));
        return 0;
    }

    /// <summary>VmHWM: the process's peak resident set, what "peak RSS" means to the target.</summary>
    private static double PeakRssMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kilobytes / 1024.0;
    }

    public sealed record PhaseResult(string Name, double Seconds, long RsaOperations, int Created, int Updated, int Unchanged);

    public sealed record PhaseRun(IReadOnlyList<PhaseResult> Phases, double PeakRssMegabytes);
}
