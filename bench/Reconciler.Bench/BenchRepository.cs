using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Bench;

/// <summary>
/// A generated GitOps repository for the benchmarks: one key, N SealedSecrets (one file each, 3 values)
/// over M namespaces, committed to a work clone and pushed to a bare remote the source fetches from.
/// </summary>
public static class BenchRepository
{
    public const int ValuesPerSecret = 3;

    public static string Keys(string work) => Path.Combine(work, "keys");

    public static string Clone(string work) => Path.Combine(work, "clone");

    public static string Remote(string work) => Path.Combine(work, "remote.git");

    public static string Output(string work) => Path.Combine(work, "out");

    public static WorkerConfiguration Configuration(string work) => new()
    {
        Source = new SourceConfiguration { Url = Remote(work), Paths = ["apps"], CacheDir = Path.Combine(work, "cache") },
        Keys = new KeysConfiguration { Directory = Keys(work) },
        Targets = [new TargetConfiguration { Name = "bench", Kind = "directory", Root = Output(work) }],
    };

    public static void Generate(string work, int secrets, int namespaces)
    {
        using var key = new KeyGenerator(TimeProvider.System).Generate("bench");
        Directory.CreateDirectory(Keys(work));
        new DirectoryKeyStore(Keys(work)).AddAsync(key, CancellationToken.None).GetAwaiter().GetResult();

        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.OpenSsl), new CryptoCounters()));
        Parallel.For(0, secrets, i =>
        {
            var (path, secret) = SecretNumber(work, i, namespaces, generation: 0);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, ManifestFormats.Write([SealedSecretManifest.ToNode(sealer.Seal(secret, key, SealingScope.Strict))], ManifestFormat.Yaml));
        });

        Git(work, "init", "-q", "-b", "main", Clone(work));
        Git(Clone(work), "add", "-A");
        Git(Clone(work), "commit", "-q", "-m", $"{secrets} SealedSecrets");
        Git(work, "clone", "-q", "--bare", Clone(work), Remote(work));
        Git(Clone(work), "remote", "add", "origin", Remote(work));
        Git(Clone(work), "fetch", "-q", "origin");
    }

    /// <summary>Reseals the first Secret with new values, commits and pushes: the one-change phase.</summary>
    public static void ChangeOneSecret(string work)
    {
        var key = KeyPaths.Load([Keys(work)]).Keys.Single();
        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.OpenSsl), new CryptoCounters()));
        var (path, secret) = SecretNumber(work, 0, namespaces: 1, generation: 1);
        File.WriteAllText(path, ManifestFormats.Write([SealedSecretManifest.ToNode(sealer.Seal(secret, key, SealingScope.Strict))], ManifestFormat.Yaml));
        Git(Clone(work), "commit", "-q", "-am", "change one Secret");
        Git(Clone(work), "push", "-q", "origin", "main");
    }

    public static string NamespaceName(int index) => string.Create(CultureInfo.InvariantCulture, $"team-{index:D3}");

    private static (string Path, Secret Secret) SecretNumber(string work, int number, int namespaces, int generation)
    {
        var @namespace = NamespaceName(number % namespaces);
        var name = string.Create(CultureInfo.InvariantCulture, $"app-{number:D5}");
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace } };
        secret.Data["username"] = Encoding.UTF8.GetBytes($"user-{number}");
        secret.Data["password"] = Encoding.UTF8.GetBytes($"password-{number}-{generation}-{Guid.NewGuid():N}");
        secret.Data["url"] = Encoding.UTF8.GetBytes($"postgres://db-{number % 7}.{@namespace}.svc:5432/app");
        return (Path.Combine(Clone(work), "apps", @namespace, $"{name}.yaml"), secret);
    }

    private static void Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start git");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        }
    }
}
