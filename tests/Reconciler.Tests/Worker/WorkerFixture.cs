using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker;
using GitOpsSecrets.Worker.Http;
using GitOpsSecrets.Worker.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// A worker started in-process on loopback port 0 (the kernel picks; the fixture reads it back), over a folder source, an in-memory target and a
/// key directory holding the vector key (the newest) and an older test key. Real HTTP, real Quartz.
/// </summary>
public sealed class WorkerFixture : IAsyncDisposable
{
    /// <summary>Planted in every SealedSecret a fixture writes; must never appear in a response or a log.</summary>
    public const string PlantedValue = "planted-value-7f3a9c";

    private static readonly Sealer Sealer = new(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));

    private WorkerFixture(WebApplication app, string baseUrl, TempDirectory repo, TempDirectory keys, InMemoryTarget target, StringWriter log, FolderSource source)
    {
        Source = source;
        App = app;
        BaseUrl = baseUrl;
        Repo = repo;
        Keys = keys;
        Target = target;
        Log = log;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public TempDirectory Repo { get; }

    public TempDirectory Keys { get; }

    /// <summary>The folder source over <see cref="Repo"/>: a test that edits the repository names a new commit here, or the engine reads nothing new.</summary>
    public FolderSource Source { get; }

    public InMemoryTarget Target { get; }

    public StringWriter Log { get; }

    public WorkerStatus Status => App.Services.GetRequiredService<WorkerStatus>();

    /// <summary>Starts a worker; the repository and keys are prepared by <paramref name="prepare"/> before it starts.</summary>
    public static async Task<WorkerFixture> StartAsync(
        Action<WorkerConfiguration>? configure = null,
        Action<IServiceCollection>? workerServices = null,
        Action<FixtureFiles>? prepare = null,
        InMemoryLeaseLockHolder? lease = null,
        Func<ISecretSource, ISecretSource>? wrapSource = null,
        bool realSource = false,
        bool realTargets = false)
    {
        var repo = new TempDirectory();
        var keys = new TempDirectory();
        File.Copy(Vectors.Path("sealing-key.secret.json"), keys.File("vector-key.json"));
        using (var old = TestKeys.Old())
        {
            keys.Write("old-key.yaml", TestKeys.SecretManifest(old));
        }

        prepare?.Invoke(new FixtureFiles(repo, keys));
        var target = new InMemoryTarget("memory", "directory");
        var folder = new FolderSource(repo.Path);
        var source = wrapSource?.Invoke(folder) ?? folder;
        var log = new SynchronizedStringWriter();
        var host = new CliHost
        {
            OpenStandardInput = () => new MemoryStream(),
            Out = TextWriter.Null,
            Error = log,
            Environment = new Dictionary<string, string>(),
            ConfigureServices = services =>
            {
                if (!realSource)
                {
                    services.RemoveAll<ISecretSourceFactory>();
                    services.AddSingleton<ISecretSourceFactory>(new FixedSourceFactory(source));
                }

                // realTargets: the configured targets are built for real (a Kubernetes target on a loopback API server).
                if (!realTargets)
                {
                    services.RemoveAll<ITargetFactory>();
                    services.AddSingleton<ITargetFactory>(new FixedTargetFactory(target));
                }
            },
        };
        var configuration = new WorkerConfiguration
        {
            Source = { Url = "test://repo", Interval = TimeSpan.FromHours(1) },
            Keys = { Directory = keys.Path, RenewPeriod = TimeSpan.Zero },
            Targets = [new TargetConfiguration { Name = "memory", Kind = "directory", Root = "unused" }],
            Worker = { Listen = "http://127.0.0.1:0", Jitter = 0 },
        };
        configure?.Invoke(configuration);
        var app = WorkerHost.Build(configuration, new WorkerHostOptions
        {
            Log = log,
            Rooms = host.Rooms(CryptoEngine.Auto),
            Identity = $"test-{Guid.NewGuid():N}",
            ConfigureServices = services =>
            {
                if (lease is not null)
                {
                    services.AddSingleton<ILeaseLock>(lease.Lock);
                }

                workerServices?.Invoke(services);
            },
        });
        await app.StartAsync();
        var address = WorkerHost.ListeningAddresses(app).Single();
        return new WorkerFixture(app, address.GetLeftPart(UriPartial.Authority), repo, keys, target, log, folder);
    }

    /// <summary>Waits (for a signal, not a clock) until this many syncs have been recorded.</summary>
    public async Task WaitForSyncsAsync(long count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRecorded(long recorded)
        {
            if (recorded >= count)
            {
                done.TrySetResult();
            }
        }

        Status.SyncRecorded += OnRecorded;
        try
        {
            if (Status.Syncs < count)
            {
                await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }
        finally
        {
            Status.SyncRecorded -= OnRecorded;
        }
    }

    /// <summary>Waits (for a signal, not a clock) until this many certificate publishing attempts have been recorded.</summary>
    public async Task WaitForCertificatePublishesAsync(long count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRecorded(long recorded)
        {
            if (recorded >= count)
            {
                done.TrySetResult();
            }
        }

        Status.CertificatePublishRecorded += OnRecorded;
        try
        {
            if (Status.CertificatePublishes < count)
            {
                await done.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }
        }
        finally
        {
            Status.CertificatePublishRecorded -= OnRecorded;
        }
    }

    /// <summary>A SealedSecret sealed to <paramref name="key"/> (the vector key when null) holding the planted value.</summary>
    public static SealedSecret Seal(string @namespace, string name, SealingKey? key = null, SealingScope scope = SealingScope.Strict, Action<Secret>? customize = null)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace } };
        secret.Data["password"] = Encoding.UTF8.GetBytes(PlantedValue);
        customize?.Invoke(secret);
        if (key is not null)
        {
            return Sealer.Seal(secret, key, scope);
        }

        using var vector = Vectors.LoadKey();
        return Sealer.Seal(secret, vector, scope);
    }

    public static string Json(SealedSecret sealedSecret) => ManifestWriter.ToJson(SealedSecretManifest.ToNode(sealedSecret));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Repo.Dispose();
        Keys.Dispose();
    }

    private sealed class FixedSourceFactory(ISecretSource source) : ISecretSourceFactory
    {
        public ISecretSource Create(SourceConfiguration configuration) => source;
    }

    private sealed class FixedTargetFactory(ISecretTarget target) : ITargetFactory
    {
        public string Kind => "directory";

        public ISecretTarget Create(TargetConfiguration configuration) => target;
    }

    private sealed class SynchronizedStringWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}

/// <summary>The folders a fixture prepares before the worker starts.</summary>
public sealed record FixtureFiles(TempDirectory Repo, TempDirectory Keys);

/// <summary>One in-memory lease shared by several fixtures (replicas).</summary>
public sealed class InMemoryLeaseLockHolder
{
    public InMemoryLeaseLock Lock { get; } = new();
}
