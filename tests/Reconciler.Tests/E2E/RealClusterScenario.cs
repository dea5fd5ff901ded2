using System.Net;
using System.Text;
using GitOpsSecrets.Cli;
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

    public static async Task<RealClusterScenario> StartAsync()
    {
        var kubeconfig = RealCluster.Kubeconfig;
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var name = $"gitops-secrets-e2e-{Guid.NewGuid():N}"[..32];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return new RealClusterScenario(kubeconfig, client, name);
    }

    /// <summary>Seals a Secret of this namespace into the repository at PATH and commits it.</summary>
    public void Commit(string path, string name, IReadOnlyDictionary<string, string> values)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = Namespace } };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        var yaml = ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(_sealer.Seal(secret, _key, SealingScope.Strict))));
        var file = Path.Combine(RepositoryPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, yaml);
        using var repository = new Repository(RepositoryPath);
        Commands.Stage(repository, path);
        repository.Commit($"seal {name}", Author, Author);
    }

    /// <summary>Removes a manifest from the repository and commits.</summary>
    public void Remove(string path)
    {
        using var repository = new Repository(RepositoryPath);
        Commands.Remove(repository, path);
        repository.Commit($"remove {path}", Author, Author);
    }

    /// <summary>The real command line, in-process: one sync of the repository to the cluster.</summary>
    public Task<CliResult> SyncAsync() => new CliRunner().RunAsync(
        "sync",
        "--repo", RepositoryPath,
        "--keys", Vectors.Path("sealing-key.secret.json"),
        "--target", "kubernetes",
        "--kubeconfig", _kubeconfig,
        "--cache-dir", Path.Combine(_work.Path, "cache"));

    public async Task<V1Secret?> ReadAsync(string name)
    {
        try
        {
            return await Client.CoreV1.ReadNamespacedSecretAsync(name, Namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static string Value(V1Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    public static bool IsManaged(V1Secret secret) =>
        secret.Metadata.Labels is { } labels && labels.TryGetValue(ManagedMetadata.ManagedByLabel, out var value) && value == ManagedMetadata.ManagedByValue;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.CoreV1.DeleteNamespaceAsync(Namespace);
        }
        catch (HttpOperationException)
        {
            // Best effort: a leftover namespace in a throwaway kind cluster must not fail the test.
        }

        Client.Dispose();
        _key.Dispose();
        _work.Dispose();
    }
}
