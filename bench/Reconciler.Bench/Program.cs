using GitOpsSecrets.Bench;

// Benchmarks are separate from tests: they report figures and ratios, they never assert.
// Usage: dotnet run -c Release --project bench/Reconciler.Bench -- <benchmark> [options]
var benchmark = args.FirstOrDefault() ?? "help";
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5);
var secrets = args.SkipWhile(a => a != "--secrets").Skip(1).Select(int.Parse).FirstOrDefault(10_000);
return benchmark switch
{
    "unseal" => UnsealBenchmark.Run(seconds),
    "sync" when BenchOptions.String(args, "--target") == "kubernetes" => await KubernetesSyncBenchmark.Run(args),
    "sync" => SyncBenchmark.Run(args),
    "sync-phases" => await SyncBenchmark.RunPhasesInProcess(args[1], args[2]),
    "reseal" => ResealBenchmark.Run(secrets, seconds),
    "controller" => await ControllerBenchmark.Run(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Reconciler.Bench unseal [--seconds N] | sync [--secrets N] [--namespaces N] [--target directory|kubernetes] | reseal [--secrets N] [--seconds N] | controller [--secrets N] [--namespaces N] [--parallelism N]");
    return 2;
}
