using GitOpsSecrets.Bench;

// Benchmarks are separate from tests: they report figures and ratios, they never assert.
// Usage: dotnet run -c Release --project bench/Reconciler.Bench -- <benchmark> [--seconds N] [--secrets N]
var benchmark = args.FirstOrDefault() ?? "help";
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5);
var secrets = args.SkipWhile(a => a != "--secrets").Skip(1).Select(int.Parse).FirstOrDefault(10_000);
return benchmark switch
{
    "unseal" => UnsealBenchmark.Run(seconds),
    "reseal" => ResealBenchmark.Run(secrets, seconds),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Reconciler.Bench unseal [--seconds N] | reseal [--secrets N (default 10000)] [--seconds N]");
    return 2;
}
