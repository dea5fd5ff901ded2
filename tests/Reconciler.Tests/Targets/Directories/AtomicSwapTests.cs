using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.Targets.Directories;

public sealed class AtomicSwapTests : IDisposable
{
    private const int Updates = 200;
    private static readonly SecretId Db = new("payments", "db");
    private readonly DirectoryTargetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task ConcurrentReader_ResolvingDataOnce_NeverSeesTwoGenerationsMixed()
    {
        await _fixture.WriteAsync(Db, Generation(0));
        var secretDirectory = _fixture.SecretDirectory(Db);
        using var done = new CancellationTokenSource();
        var mixed = new List<string>();
        var consistentReads = 0;
        var lastSeen = -1;

        // The reader does what a secret-volume consumer does: resolve ..data once, read every key from there.
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested || consistentReads == 0)
            {
                var generation = new FileInfo(Path.Combine(secretDirectory, "..data")).LinkTarget;
                if (generation is null)
                {
                    mixed.Add("..data missing");
                    continue;
                }

                var directory = Path.Combine(secretDirectory, generation);
                try
                {
                    // Learn the generation from one key, then read every key it must have and check nothing else is there.
                    var number = int.Parse(File.ReadAllText(Path.Combine(directory, "a")), System.Globalization.CultureInfo.InvariantCulture);
                    var expected = Generation(number);
                    var values = expected.Keys.ToDictionary(key => key, key => File.ReadAllText(Path.Combine(directory, key)), StringComparer.Ordinal);
                    var listed = Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>()
                        .Where(name => !name.StartsWith("..", StringComparison.Ordinal)).ToList();
                    if (values.Any(p => p.Value != expected[p.Key]) || listed.Any(name => !expected.ContainsKey(name)))
                    {
                        mixed.Add($"{generation}: {string.Join(", ", values.Select(p => $"{p.Key}={p.Value}"))}; listed {string.Join(", ", listed)}");
                    }

                    if (number < lastSeen)
                    {
                        mixed.Add($"went back from generation {lastSeen} to {number}");
                    }

                    lastSeen = number;
                    consistentReads++;
                }
                catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
                {
                    // The generation was replaced and removed while we read: a reader retries, as with kubelet.
                }
            }
        });

        for (var generation = 1; generation <= Updates; generation++)
        {
            await _fixture.WriteAsync(Db, Generation(generation), WriteMode.Update, sealedHash: $"sha256:{generation}");
        }

        await done.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromMinutes(2));

        mixed.ShouldBeEmpty("a reader saw keys of different generations together");
        consistentReads.ShouldBeGreaterThan(0);
        _fixture.Generations(Db).Count.ShouldBe(1, "old generations are removed");
        _fixture.Read(Db, "a").ShouldBe(Updates.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Every key holds the generation number; the key set itself changes with the generation too.</summary>
    private static Dictionary<string, string> Generation(int number)
    {
        var value = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var values = new Dictionary<string, string> { ["a"] = value, ["b"] = value, [".c"] = value };
        if (number % 2 == 0)
        {
            values["even"] = value;
        }

        return values;
    }
}
