using GitOpsSecrets.Bench;

// Benchmarks are separate from tests: they report figures and ratios, they never assert.
// Usage: dotnet run -c Release --project bench/Reconciler.Bench -- <benchmark> [--seconds N]
var benchmark = args.FirstOrDefault() ?? "help";
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5);
return benchmark switch
{
    "unseal" => UnsealBenchmark.Run(seconds),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Reconciler.Bench unseal [--seconds N]");
    return 2;
}
