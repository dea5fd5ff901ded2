using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Logging;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using Microsoft.Extensions.Logging;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>
/// A folder of SealedSecrets sealed to the vector key, the loopback API server, and a sync engine whose
/// target is the real <see cref="KubernetesTarget"/> over the real client. Logs are kept in memory, and
/// retry waits go through a clock that fires at once.
/// </summary>
public sealed class KubeSyncFixture : IAsyncDisposable
{
    private readonly SealingKey _key = Vectors.LoadKey();
    private readonly Sealer _sealer;
    private readonly ILoggerFactory _loggers;

    private KubeSyncFixture(ApiServer server, KubernetesTargetOptions options, IReadOnlyList<string> paths, IKeyStore? keys, Action<KubernetesClientConfiguration>? configureClient)
    {
        Server = server;
        Client = server.CreateClient(configureClient);
        _sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), Counters));
        _loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new TextWriterLoggerProvider(Log, LogLevel.Debug, TimeProvider.System, timestamps: false)));
        Target = new KubernetesTarget("cluster", Client, options with { Retry = options.Retry with { BaseDelay = TimeSpan.FromMilliseconds(100) } }, Time, _loggers.CreateLogger<KubernetesTarget>());
        Source = new FolderSource(Repo.Path);
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), Counters));
        Engine = new SyncEngine(Source, keys ?? new PathKeyStore(Vectors.Path("sealing-key.secret.json")), [new SyncTarget(Target, paths, true)], unsealer, Counters, TimeProvider.System, _loggers.CreateLogger<SyncEngine>());
    }

    public ApiServer Server { get; }

    public IKubernetes Client { get; }

    public KubernetesTarget Target { get; }

    public SyncEngine Engine { get; }

    public TempDirectory Repo { get; } = new();

    public FolderSource Source { get; }

    public ImmediateTimeProvider Time { get; } = new();

    public CryptoCounters Counters { get; } = new();

    /// <summary>Everything every logger wrote.</summary>
    public StringWriter Log { get; } = new();

    public static async Task<KubeSyncFixture> StartAsync(KubernetesTargetOptions? options = null, IReadOnlyList<string>? paths = null, Func<ApiServer, IKeyStore>? keys = null, Action<KubernetesClientConfiguration>? configureClient = null)
    {
        var server = await ApiServer.StartAsync();
        return new KubeSyncFixture(server, options ?? new KubernetesTargetOptions(), paths ?? [], keys?.Invoke(server), configureClient);
    }

    public Task<SyncReport> SyncAsync() => Engine.SyncAsync(false, null, CancellationToken.None);

    /// <summary>Seals a Secret with these values to a repository path.</summary>
    public string Write(string path, string @namespace, string name, IReadOnlyDictionary<string, string> values, Action<Secret>? customize = null, Action<SealedSecret>? customizeSealed = null)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace } };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        customize?.Invoke(secret);
        var sealedSecret = _sealer.Seal(secret, _key, SealingScope.Strict);
        customizeSealed?.Invoke(sealedSecret);
        return Repo.Write(path, ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(sealedSecret))));
    }

    public IReadOnlyDictionary<string, string>? Text(SecretId id) => Server.SecretText(id.Namespace, id.Name);

    /// <summary>Every request body, every log line: where a value must never appear.</summary>
    public string EverythingSaidOutsideSecrets() =>
        string.Join('\n', Server.Requests.All.Where(r => r.ResourcePlural != "secrets").Select(r => r.Body)) + Log;

    public async ValueTask DisposeAsync()
    {
        _key.Dispose();
        Client.Dispose();
        _loggers.Dispose();
        Repo.Dispose();
        await Server.DisposeAsync();
    }
}
