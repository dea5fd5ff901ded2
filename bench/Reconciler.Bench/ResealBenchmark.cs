using System.Diagnostics;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Reseal;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Bench;

/// <summary>
/// Reseal of a generated repository (N SealedSecrets of 3 values over 100 namespaces, one file each,
/// sealed to an old key) to a new key with local private keys, through the same Resealer the CLI uses.
/// Limit: one RSA-4096 private and one public operation per value at <c>openssl speed -multi cores</c>
/// rates, i.e. values/s ≤ 1 / (1/private + 1/public). Reports wall time, values/s, ratio and peak RSS.
/// </summary>
public static class ResealBenchmark
{
    public static int Run(int secrets, int seconds)
    {
        var cores = Environment.ProcessorCount;
        const int valuesPerSecret = 3;
        const int namespaces = 100;
        Console.WriteLine($"# reseal of {secrets} SealedSecrets ({valuesPerSecret} values each, {namespaces} namespaces), {cores} cores");

        using var oldKey = new KeyGenerator(TimeProvider.System).Generate("old");
        using var newKey = new KeyGenerator(new LaterTime(TimeSpan.FromDays(1))).Generate("new");
        var root = Path.Combine(Path.GetTempPath(), "gitops-secrets-bench", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var generate = Stopwatch.StartNew();
            Generate(root, oldKey, secrets, valuesPerSecret, namespaces);
            Console.WriteLine($"generated the repository in {generate.Elapsed.TotalSeconds:F1}s ({root})");

            var (privateRate, publicRate) = OpenSslSpeed.OpsPerSecond(cores, seconds);
            var limit = 1 / ((1 / privateRate) + (1 / publicRate));
            Console.WriteLine($"openssl speed -multi {cores} rsa4096: {privateRate:F1} private ops/s, {publicRate:F1} public ops/s → limit {limit:F1} values/s");

            var files = ManifestFiles.Find([root]);
            using var ring = new KeyRing([Copy(oldKey), Copy(newKey)]);
            var counters = new CryptoCounters();
            var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), counters));
            var resealer = new Resealer(new LocalRotator(sealer, ring));
            var stopwatch = Stopwatch.StartNew();
            var report = resealer.RunAsync(files, check: false, CancellationToken.None).GetAwaiter().GetResult();
            stopwatch.Stop();

            if (report.Failed > 0 || report.RewrittenValues != secrets * valuesPerSecret)
            {
                Console.Error.WriteLine($"unexpected outcome: {report.RewrittenValues} values rewritten, {report.Failed} failed");
                return 1;
            }

            var rate = report.RewrittenValues / stopwatch.Elapsed.TotalSeconds;
            using var process = Process.GetCurrentProcess();
            Console.WriteLine();
            Console.WriteLine("| SealedSecrets | values | files rewritten | RSA private ops/value | wall time | values/s | limit values/s | ratio | peak RSS |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            Console.WriteLine($"| {report.SealedSecrets} | {report.RewrittenValues} | {report.FilesRewritten} | {(double)counters.RsaPrivateOperations / report.RewrittenValues:F2} | {stopwatch.Elapsed.TotalSeconds:F1}s | {rate:F1} | {limit:F1} | {rate / limit:F2} | {process.PeakWorkingSet64 / (1024 * 1024)} MiB |");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static SealingKey Copy(SealingKey key) =>
        KeyMaterialReader.Read(Encoding.UTF8.GetBytes(KeySecrets.CertificatePem(key) + KeySecrets.PrivateKeyPem(key)), key.Name).Keys.Single();

    private static void Generate(string root, SealingKey key, int secrets, int valuesPerSecret, int namespaces)
    {
        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        Parallel.For(0, secrets, i =>
        {
            var @namespace = $"team-{i % namespaces:D3}";
            var secret = new Secret { Metadata = new ObjectMetadata { Name = $"secret-{i:D5}", Namespace = @namespace } };
            for (var v = 0; v < valuesPerSecret; v++)
            {
                secret.Data[$"value-{v}"] = Encoding.UTF8.GetBytes($"bench value {v} of secret {i}, typical length");
            }

            var yaml = ManifestFormats.Write([SealedSecretManifest.ToNode(sealer.Seal(secret, key, SealingScope.Strict))], ManifestFormat.Yaml);
            var path = Path.Combine(root, @namespace, $"secret-{i:D5}.yaml");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, yaml);
        });
    }

    /// <summary>A clock a little ahead, so the second key is the newest (latest NotBefore).</summary>
    private sealed class LaterTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
