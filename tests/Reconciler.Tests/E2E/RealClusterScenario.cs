using System.Net;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LibGit2Sharp;
using Secret = GitOpsSecrets.Secrets.Secret;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// One scenario's world on a real cluster: a fresh namespace, a real git repository of SealedSecrets
/// (sealed to the vector key), the real CLI's <c>sync --target kubernetes</c>, and a KubernetesClient
/// to look at and tamper with what landed. The namespace is deleted afterwards.
/// </summary>
public sealed class RealClusterScenario : IAsyncDisposable
{
    private static readonly Signature Author = new("e2e", "e2e@example.com", DateTimeOffset.UnixEpoch);
    private readonly SealingKey _key = Vectors.LoadKey();
    private readonly Sealer _sealer = new(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
    private readonly TempDirectory _work = new();
    private readonly string _kubeconfig;
    private readonly List<string> _extraNamespaces = [];

    private RealClusterScenario(string kubeconfig, k8s.Kubernetes client, string @namespace)
    {
        _kubeconfig = kubeconfig;
        Client = client;
        Namespace = @namespace;
        RepositoryPath = Path.Combine(_work.Path, "repo");
        Repository.Init(RepositoryPath);
    }

    public k8s.Kubernetes Client { get; }

    public string Namespace { get; }

    public string RepositoryPath { get; }

    /// <summary>The kubeconfig the CLI is given (the tests' kubectl uses it too).</summary>
    public string Kubeconfig => _kubeconfig;

    public static async Task<RealClusterScenario> StartAsync()
    {
        var kubeconfig = RealCluster.Kubeconfig;
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var name = NewNamespaceName();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return new RealClusterScenario(kubeconfig, client, name);
    }

    /// <summary>Seals a Secret of this namespace into the repository at PATH and commits it.</summary>
    public void Commit(string path, string name, IReadOnlyDictionary<string, string> values) => _ = Commit(path, name, values, template: null);

    /// <summary>
    /// Seals a Secret into the repository at PATH and commits it: <paramref name="template"/> shapes the
    /// Secret (labels, immutable, type), <paramref name="sealedSecret"/> the sealed document (top-level
    /// annotations, or tampering with the ciphertext); <paramref name="namespace"/> defaults to the scenario's.
    /// Returns the committed document.
    /// </summary>
    public SealedSecret Commit(string path, string name, IReadOnlyDictionary<string, string> values, Action<Secret>? template, Action<SealedSecret>? sealedSecret = null, string? @namespace = null)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace ?? Namespace } };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        template?.Invoke(secret);
        var sealedDocument = _sealer.Seal(secret, _key, SealingScope.Strict);
        sealedSecret?.Invoke(sealedDocument);
        var yaml = ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(sealedDocument)));
        var file = Path.Combine(RepositoryPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, yaml);
        using var repository = new Repository(RepositoryPath);
        Commands.Stage(repository, path);
        repository.Commit($"seal {name}", Author, Author);
        return sealedDocument;
    }

    /// <summary>Writes any text file into the repository at PATH and commits it (SharedSecrets, Teams).</summary>
    public void CommitFile(string path, string text)
    {
        var file = Path.Combine(RepositoryPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        using var repository = new Repository(RepositoryPath);
        Commands.Stage(repository, path);
        repository.Commit($"write {path}", Author, Author);
    }

    /// <summary>The repository's HEAD commit id, as the revision annotation names it.</summary>
    public string HeadCommit()
    {
        using var repository = new Repository(RepositoryPath);
        return repository.Head.Tip.Sha;
    }

    /// <summary>Flips one byte inside every sealed value's AES-GCM part, so the document parses but cannot be decrypted.</summary>
    public static void Tamper(SealedSecret sealedSecret)
    {
        foreach (var key in sealedSecret.EncryptedData.Keys.ToList())
        {
            var bytes = Convert.FromBase64String(sealedSecret.EncryptedData[key]);
            bytes[^1] ^= 0x01;
            sealedSecret.EncryptedData[key] = Convert.ToBase64String(bytes);
        }
    }

    /// <summary>A second namespace for this scenario, deleted with it.</summary>
    public async Task<string> CreateNamespaceAsync()
    {
        var name = NewNamespaceName();
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        _extraNamespaces.Add(name);
        return name;
    }

    /// <summary>A namespace name nobody has created yet, deleted with the scenario if something creates it.</summary>
    public string ReserveNamespaceName()
    {
        var name = NewNamespaceName();
        _extraNamespaces.Add(name);
        return name;
    }

    /// <summary>Removes a manifest from the repository and commits.</summary>
    public void Remove(string path)
    {
        using var repository = new Repository(RepositoryPath);
        Commands.Remove(repository, path);
        repository.Commit($"remove {path}", Author, Author);
    }

    /// <summary>The real command line, in-process: one sync of the repository to the cluster.</summary>
    public Task<CliResult> SyncAsync() => SyncAsync(Array.Empty<string>());

    /// <summary>The real command line with extra flags (<c>--create-namespaces</c>, <c>--force-conflicts</c>, <c>--path</c>, ...).</summary>
    public Task<CliResult> SyncAsync(params string[] extraArguments) => new CliRunner().RunAsync(
        [
            "sync",
            "--repo", RepositoryPath,
            "--keys", Vectors.Path("sealing-key.secret.json"),
            "--target", "kubernetes",
            "--kubeconfig", _kubeconfig,
            "--cache-dir", Path.Combine(_work.Path, "cache"),
            .. extraArguments,
        ]);

    public Task<V1Secret?> ReadAsync(string name) => ReadAsync(Namespace, name);

    public async Task<V1Secret?> ReadAsync(string @namespace, string name)
    {
        try
        {
            return await Client.CoreV1.ReadNamespacedSecretAsync(name, @namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string NewNamespaceName() => $"gitops-secrets-e2e-{Guid.NewGuid():N}"[..32];

    public static string Value(V1Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    public static bool IsManaged(V1Secret secret) =>
        secret.Metadata.Labels is { } labels && labels.TryGetValue(ManagedMetadata.ManagedByLabel, out var value) && value == ManagedMetadata.ManagedByValue;

    public async ValueTask DisposeAsync()
    {
        foreach (var @namespace in _extraNamespaces.Prepend(Namespace))
        {
            try
            {
                // The Secrets go first and at once: a namespace takes a while to finalize, and meanwhile the
                // next scenario's sync (which lists our label in every namespace) would see and prune them.
                await Client.CoreV1.DeleteCollectionNamespacedSecretAsync(@namespace);
                await Client.CoreV1.DeleteNamespaceAsync(@namespace);
            }
            catch (HttpOperationException)
            {
                // Best effort (and a reserved name may never have been created): a leftover namespace in a throwaway cluster must not fail the test.
            }
        }

        Client.Dispose();
        _key.Dispose();
        _work.Dispose();
    }
}
