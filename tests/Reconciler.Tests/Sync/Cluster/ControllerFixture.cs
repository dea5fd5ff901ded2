using System.Text.Json.Nodes;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Tests.E2E;
using GitOpsSecrets.Tests.KubeApiServer;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Sync.Cluster;

/// <summary>
/// The cluster source in-process against the loopback API server: the real KubernetesClient, target,
/// SealedSecret API, reconciler and controller, with real crypto whose RSA operations are counted, and
/// a fake clock for resync and backoff (advanced by the tests, never slept on).
/// </summary>
public sealed class ControllerFixture : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly SealingKey _key = Vectors.LoadKey();
    private readonly k8s.Kubernetes _client;
    private CancellationTokenSource? _running;
    private Task? _run;

    private ControllerFixture(KubeApiServer.KubeApiServer server)
    {
        Server = server;
        _client = server.CreateClient();
        Unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), Counters));
    }

    public KubeApiServer.KubeApiServer Server { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public CryptoCounters Counters { get; } = new();

    public Unsealer Unsealer { get; }

    public ClusterController Controller { get; private set; } = null!;

    public static readonly TimeSpan Resync = TimeSpan.FromMinutes(10);

    public static async Task<ControllerFixture> StartAsync()
    {
        var server = await KubeApiServer.KubeApiServer.StartAsync();
        server.CreateNamespace("apps");
        return new ControllerFixture(server);
    }

    /// <summary>Starts a controller (a new process, as far as it knows: nothing remembered from a previous one).</summary>
    public void StartController(IReadOnlyList<string>? namespaces = null)
    {
        var target = new KubernetesTarget("cluster", _client, new KubernetesTargetOptions { RecordEvents = false }, Time, NullLogger<KubernetesTarget>.Instance);
        var api = new KubernetesSealedSecretApi(_client, Time, NullLogger<KubernetesSealedSecretApi>.Instance);
        var ring = new KeyRing([_key]);
        var reconciler = new SealedSecretReconciler(target, api, Unsealer, () => ring, new ClusterReconcilerOptions(), Time, NullLogger<SealedSecretReconciler>.Instance);
        Controller = new ClusterController(api, reconciler, new ClusterControllerOptions { Namespaces = namespaces ?? [], Resync = Resync, Parallelism = 4 }, Time, NullLogger<ClusterController>.Instance);
        _running = new CancellationTokenSource();
        _run = Controller.RunAsync(_running.Token);
    }

    public async Task StopControllerAsync()
    {
        if (_running is null || _run is null)
        {
            return;
        }

        await _running.CancelAsync();
        await _run.WaitAsync(Patience);
        _running.Dispose();
        _running = null;
        _run = null;
    }

    public async Task SettledAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await Controller.WhenSettledAsync(timeout.Token);
    }

    /// <summary>Waits for a condition, moving the fake clock a minute on between looks so backoffs and resyncs come due.</summary>
    public Task UntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(
            () =>
            {
                if (condition())
                {
                    return true;
                }

                Time.Advance(TimeSpan.FromMinutes(1));
                return false;
            },
            Patience,
            () => what);

    public SealedSecret Seal(string name, IReadOnlyDictionary<string, string> values, string @namespace = "apps") =>
        SealedFiles.Seal(_key, @namespace, name, values);

    public JsonObject Create(SealedSecret sealedSecret) =>
        Server.Store.Create(ResourceTypes.SealedSecrets, sealedSecret.Metadata.Namespace, SealedSecretManifest.ToNode(sealedSecret), "kubectl-client-side-apply");

    /// <summary>Replaces the spec of a stored SealedSecret, as kubectl apply of a re-sealed file does.</summary>
    public JsonObject Replace(SealedSecret sealedSecret)
    {
        var node = SealedSecretManifest.ToNode(sealedSecret);
        return Server.Store.Update(ResourceTypes.SealedSecrets, sealedSecret.Metadata.Namespace, sealedSecret.Metadata.Name!, node, "kubectl-client-side-apply");
    }

    public JsonObject? SealedSecret(string name, string @namespace = "apps") => Server.Store.Get(ResourceTypes.SealedSecrets, @namespace, name);

    public static string? Synced(JsonObject? sealedSecret) =>
        (sealedSecret?["status"]?["conditions"] as JsonArray)?.FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Synced")?["status"]?.GetValue<string>();

    public IReadOnlyList<JsonObject> Events(string @namespace = "apps") => Server.Store.List(ResourceTypes.CoreEvents, @namespace);

    public async ValueTask DisposeAsync()
    {
        await StopControllerAsync();
        _client.Dispose();
        _key.Dispose();
        await Server.DisposeAsync();
    }
}
