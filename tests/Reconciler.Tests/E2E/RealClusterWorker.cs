using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// One worker scenario's world on a real cluster: namespaces of its own (the worker's, for keys and the
/// Lease, and target namespaces), a real git remote of SealedSecrets sealed to the vector key, worker
/// configuration files, and worker processes. Disposing kills the processes and deletes every
/// namespace and cluster-scoped object the scenario made.
/// </summary>
public sealed class RealClusterWorker : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly List<string> _namespaces = [];
    private readonly List<Func<Task>> _cleanups = [];
    private readonly List<WorkerProcess> _processes = [];
    private readonly string _prefix = $"e2e-w{Guid.NewGuid():N}"[..14];

    private RealClusterWorker(string kubeconfig)
    {
        Kubeconfig = kubeconfig;
        Client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }

    /// <summary>The admin kubeconfig (the cluster's, or the one cluster.sh wrote).</summary>
    public string Kubeconfig { get; }

    /// <summary>An admin client to arrange the cluster and read results back.</summary>
    public k8s.Kubernetes Client { get; }

    public RemoteRepository Remote { get; } = new();

    public TestSealer Sealer { get; } = new();

    /// <summary>A short prefix unique to this scenario, for names of cluster-scoped objects.</summary>
    public string Prefix => _prefix;

    public static RealClusterWorker Start() => new(RealCluster.Kubeconfig);

    /// <summary>Creates a namespace of this scenario ("PREFIX-SUFFIX"), deleted at the end.</summary>
    public async Task<string> NamespaceAsync(string suffix)
    {
        var name = $"{_prefix}-{suffix}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        _namespaces.Add(name);
        return name;
    }

    /// <summary>A namespace name of this scenario that does not exist yet (the product may create it); deleted at the end.</summary>
    public string FutureNamespace(string suffix)
    {
        var name = $"{_prefix}-{suffix}";
        _namespaces.Add(name);
        return name;
    }

    /// <summary>Something to undo at the end (cluster-scoped objects).</summary>
    public void OnCleanup(Func<Task> cleanup) => _cleanups.Add(cleanup);

    /// <summary>
    /// The vector key as the Bitnami controller stores it (tests/vectors/sealing-key.secret.json: a
    /// labelled kubernetes.io/tls Secret), put into NAMESPACE, optionally renamed or relabelled.
    /// </summary>
    public async Task<V1Secret> AddVectorKeyAsync(string @namespace, string? name = null, string? label = KeySecrets.ActiveValue)
    {
        var secret = KubernetesJson.Deserialize<V1Secret>(Vectors.Text("sealing-key.secret.json"));
        secret.Metadata.NamespaceProperty = @namespace;
        secret.Metadata.Name = name ?? secret.Metadata.Name;
        secret.Metadata.Labels = label is null ? null : new Dictionary<string, string> { [KeySecrets.KeyLabel] = label };
        return await Client.CoreV1.CreateNamespacedSecretAsync(secret, @namespace);
    }

    /// <summary>Seals a Secret to the vector key and commits it to the remote at PATH; returns the commit.</summary>
    public string Commit(string path, string @namespace, string name, IReadOnlyDictionary<string, string> values) =>
        Remote.Commit($"seal {@namespace}/{name}", path, Sealer.Yaml(@namespace, name, values));

    public string Remove(string path) => Remote.Commit($"remove {path}", path, null);

    /// <summary>A scratch folder of this scenario.</summary>
    public string Scratch(string name) => Remote.Scratch(name);

    /// <summary>Writes a worker configuration file (README "Configuration") and returns its path.</summary>
    public string WriteConfig(string name, string yaml)
    {
        var path = Path.Combine(Remote.Scratch("config"), name + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Starts <c>gitops-secrets ARGS</c> as its own process; it is killed at the end if still running.</summary>
    public WorkerProcess StartProcess(string identity, params string[] args)
    {
        var process = WorkerProcess.Start(identity, new Dictionary<string, string> { ["HOME"] = Remote.Scratch("home-" + identity) }, args);
        _processes.Add(process);
        return process;
    }

    public async Task<V1Secret?> ReadSecretAsync(string @namespace, string name)
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

    public async Task<string?> SecretValueAsync(string @namespace, string name, string key) =>
        await ReadSecretAsync(@namespace, name) is { Data: { } data } && data.TryGetValue(key, out var value) ? Encoding.UTF8.GetString(value) : null;

    public async Task<V1Lease?> ReadLeaseAsync(string @namespace, string name)
    {
        try
        {
            return await Client.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The key Secrets of a namespace as the controller finds them (by label).</summary>
    public async Task<IList<V1Secret>> KeySecretsAsync(string @namespace) =>
        (await Client.CoreV1.ListNamespacedSecretAsync(@namespace, labelSelector: KeySecrets.KeyLabel)).Items;

    /// <summary>The Events of a namespace about one object.</summary>
    public async Task<IList<Corev1Event>> EventsAboutAsync(string @namespace, string name) =>
        (await Client.CoreV1.ListNamespacedEventAsync(@namespace, fieldSelector: $"involvedObject.name={name}")).Items;

    /// <summary>A kubeconfig for the same API server that authenticates with a bearer token instead of the admin's credentials.</summary>
    public string WriteTokenKubeconfig(string name, string token)
    {
        var admin = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(Kubeconfig));
        var contextName = admin.CurrentContext;
        var context = admin.Contexts.Single(c => c.Name == contextName).ContextDetails;
        var cluster = admin.Clusters.Single(c => c.Name == context.Cluster).ClusterEndpoint;
        var caData = cluster.CertificateAuthorityData
            ?? (cluster.CertificateAuthority is { } caFile
                ? Convert.ToBase64String(File.ReadAllBytes(Path.IsPathRooted(caFile) ? caFile : Path.Combine(Path.GetDirectoryName(Kubeconfig)!, caFile)))
                : null);
        var kubeconfig = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = new JsonArray(new JsonObject
            {
                ["name"] = "e2e",
                ["cluster"] = new JsonObject { ["server"] = cluster.Server, ["certificate-authority-data"] = caData },
            }),
            ["users"] = new JsonArray(new JsonObject { ["name"] = name, ["user"] = new JsonObject { ["token"] = token } }),
            ["contexts"] = new JsonArray(new JsonObject { ["name"] = name, ["context"] = new JsonObject { ["cluster"] = "e2e", ["user"] = name } }),
            ["current-context"] = name,
        };
        var path = Path.Combine(Remote.Scratch("kube"), name + ".kubeconfig");
        File.WriteAllText(path, kubeconfig.ToJsonString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        foreach (var cleanup in _cleanups)
        {
            await BestEffort(cleanup);
        }

        foreach (var name in _namespaces)
        {
            await BestEffort(() => Client.CoreV1.DeleteNamespaceAsync(name));
        }

        Client.Dispose();
        Sealer.Dispose();
        Remote.Dispose();
    }

    private static async Task BestEffort(Func<Task> cleanup)
    {
        try
        {
            await cleanup();
        }
        catch (HttpOperationException)
        {
            // Already gone, or a throwaway kind cluster that will not miss it: cleanup must not fail the test.
        }
    }
}
