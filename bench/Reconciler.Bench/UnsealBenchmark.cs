using System.Diagnostics;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Bench;

/// <summary>
/// Unseal throughput: values opened per second (one RSA-4096 private operation each) through our
/// OpenSSL engine and the BouncyCastle fallback, on one core and on all cores, as a ratio of
/// <c>openssl speed rsa4096</c>'s private-op rate measured in the same run. Target: ≥ 0.9.
/// </summary>
public static class UnsealBenchmark
{
    public static int Run(int seconds)
    {
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"# unseal throughput (RSA-4096), {cores} cores, {seconds}s per measurement");
        var single = OpenSslSpeed.PrivateOpsPerSecond(1, seconds);
        var multi = cores > 1 ? OpenSslSpeed.PrivateOpsPerSecond(cores, seconds) : single;
        Console.WriteLine($"openssl speed rsa4096: {single:F1} private ops/s (1 process), {multi:F1} (-multi {cores})");
        Console.WriteLine();
        Console.WriteLine("| engine | threads | values/s | reference ops/s | ratio |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");

        using var key = KeyMaterialReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "sealing-key.secret.json")).Keys.Single();
        foreach (var engine in new[] { CryptoEngine.OpenSsl, CryptoEngine.BouncyCastle })
        {
            var cipher = new ValueCipher(RsaOaepFactory.Create(engine), new CryptoCounters());
            var label = Encoding.UTF8.GetBytes("bench/values");
            var sealedValue = cipher.Seal(key, label, Encoding.UTF8.GetBytes("a typical secret value of some length"));
            foreach (var threads in cores > 1 ? new[] { 1, cores } : [1])
            {
                // BouncyCastle is ~10x slower; a shorter run keeps the benchmark quick without hiding that.
                var rate = Measure(cipher, key, label, sealedValue, threads, engine == CryptoEngine.BouncyCastle ? Math.Max(1, seconds / 2) : seconds);
                var reference = threads == 1 ? single : multi;
                Console.WriteLine($"| {cipher.Engine.Name} | {threads} | {rate:F1} | {reference:F1} | {rate / reference:F2} |");
            }
        }

        return 0;
    }

    private static double Measure(ValueCipher cipher, SealingKey key, byte[] label, string sealedValue, int threads, int seconds)
    {
        // Warm up: JIT, OpenSSL's provider lookups, key import.
        for (var i = 0; i < 5; i++)
        {
            _ = cipher.TryOpen([key], label, sealedValue) ?? throw new InvalidOperationException("the benchmark value did not open");
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var counts = new long[threads];
        var stopwatch = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            long opened = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                _ = cipher.TryOpen([key], label, sealedValue);
                opened++;
            }

            counts[thread] = opened;
        });
        return counts.Sum() / stopwatch.Elapsed.TotalSeconds;
    }
}
