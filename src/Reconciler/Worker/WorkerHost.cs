using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Worker.Controller;
using GitOpsSecrets.Worker.Http;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Scheduling;
using GitOpsSecrets.Worker.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace GitOpsSecrets.Worker;

/// <summary>How the worker process is set up beyond its configuration file.</summary>
public sealed record WorkerHostOptions
{
    /// <summary>Where log lines go (the command's standard error).</summary>
    public required TextWriter Log { get; init; }

    public bool Verbose { get; init; }

    /// <summary>This replica's name in the lease: the pod name in a cluster.</summary>
    public required string Identity { get; init; }

    /// <summary>The command's environment, where <c>notifications[].*Env</c> and <c>worker.ui.auth.bearerTokenEnv</c> secrets are read.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Lets a test replace worker services (the lease lock, the sync runner) after ours are registered.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// Builds the long-running worker: an ASP.NET Core application serving the endpoints on every replica,
/// a Quartz scheduler running the sync and key renewal jobs, and leader election deciding which
/// replica's jobs do work. The rooms' services (sync engine factory, key stores, sealing) come from the
/// command's container, so the worker runs with exactly what <c>sync</c> would use.
/// </summary>
public static class WorkerHost
{
    public static WebApplication Build(WorkerConfiguration configuration, IServiceProvider rooms, WorkerHostOptions options)
    {
        ConfigurationValidator.Validate(configuration);
        var settings = configuration.Worker;
        var time = rooms.GetRequiredService<TimeProvider>();
        // Built before anything starts, so a missing token file fails `run` at once with one line.
        var notificationChannels = new Notifications.NotificationChannelFactory(options.GetEnvironmentVariable).Create(configuration.Notifications);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "gitops-secrets", Args = [] });
        builder.WebHost.UseUrls(settings.Listen);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        var level = options.Verbose ? LogLevel.Debug : LogLevel.Information;
        builder.Logging.ClearProviders()
            .SetMinimumLevel(level)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Quartz", LogLevel.Warning)
            .AddProvider(new TextWriterLoggerProvider(options.Log, level, time, timestamps: true));

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(configuration);
        services.AddSingleton(rooms.GetRequiredService<Unsealer>());
        services.AddSingleton(rooms.GetRequiredService<Sealer>());
        services.AddSingleton(rooms.GetRequiredService<KeyGenerator>());
        if (configuration.UsesGit)
        {
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SyncEngineFactory>(rooms, sp.GetRequiredService<ILoggerFactory>()).Create(configuration));
        }

        if (configuration.Cluster is { } cluster)
        {
            services.AddClusterSource(cluster, rooms, configuration.UsesGit);
        }

        services.AddSingleton(rooms.GetRequiredService<IKeyStoreFactory>().Create(configuration.Keys));
        services.AddSingleton<WorkerKeys>();
        services.AddSingleton<WorkerStatus>();
        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton(rooms.GetRequiredService<ValueCipher>());
        services.AddSingleton<KeyLifecycle.KeyLifecycleState>();
        services.AddSingleton<KeyLifecycle.KeyMaintenance>();
        services.AddSingleton<WorkerReadiness>();
        services.AddSingleton<SealedSecretChecks>();
        services.AddSingleton(new SyncHookToken(settings.SyncHookTokenFile));
        services.AddSingleton(new SyncSchedule(configuration.Source.Interval, settings.Jitter));
        services.AddSingleton(new RenewalSettings(configuration.Keys.RenewPeriod, configuration.Keys.CutoffTime));
        services.AddSingleton<KeyRenewer>();
        services.AddSingleton(rooms.GetRequiredService<Git.IGitWriter>());
        services.AddSingleton(rooms.GetRequiredService<Git.GitCacheLocation>());
        WriteBack.WriteBackServiceCollectionExtensions.AddWriteBack(services);
        services.TryAddSingleton<Publishing.CertificatePublisher>();
        services.AddSingleton<WorkerJobs>();
        services.TryAddSingleton(sp => new Notifications.Notifier(notificationChannels, configuration.Targets.Select(t => t.Name).ToList(), time, sp.GetRequiredService<ILogger<Notifications.Notifier>>(), sp.GetService<Notifications.NotifierOptions>(), metrics: sp.GetRequiredService<WorkerMetrics>()));
        services.TryAddSingleton<ISyncRunner, SyncRunner>();
        AddLeadership(services, configuration, options.Identity, rooms);
        services.AddWorkerRateLimits();

        services.AddQuartz(q =>
        {
            q.UseTimeProvider(time);
            q.AddJob<SyncJob>(j => j.WithIdentity(SyncJob.Key).StoreDurably().DisallowConcurrentExecution());
            q.AddJob<KeyRenewalJob>(j => j.WithIdentity(KeyRenewalJob.Key).StoreDurably().DisallowConcurrentExecution());
        });

        // Registered after the elector: hosted services stop in reverse order, so the scheduler waits for
        // the running job before the lease is released.
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<WorkerStartup>();
        options.ConfigureServices?.Invoke(services);

        var app = builder.Build();

        // Made now rather than at the first sync, so a bad target or source configuration stops the
        // command with its one-line error instead of failing every run.
        if (configuration.UsesGit)
        {
            app.Services.GetRequiredService<SyncEngine>();
        }

        app.MapWorkerEndpoints();
        app.MapWorkerUi(settings.Ui, options.GetEnvironmentVariable);

        // Said once the server is bound, with the real port: `worker.listen` may ask for port 0 (the
        // kernel picks a free one), and whoever started the worker learns where it listens from this line.
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation("Listening on {Addresses}", string.Join(", ", ListeningAddresses(app))));
        return app;
    }

    /// <summary>
    /// Where the endpoints listen, once the worker has started: the addresses Kestrel bound, so a
    /// <c>worker.listen</c> with port 0 reads back as the port the kernel picked.
    /// </summary>
    public static IReadOnlyList<Uri> ListeningAddresses(WebApplication app) =>
        app.Urls.Select(a => new Uri(a)).ToList();

    private static void AddLeadership(IServiceCollection services, WorkerConfiguration configuration, string identity, IServiceProvider rooms)
    {
        var settings = configuration.Worker;
        if (!settings.LeaderElect)
        {
            services.AddSingleton<ILeadership>(new AlwaysLeader(identity));
            return;
        }

        services.TryAddSingleton<ILeaseLock>(_ =>
        {
            var keys = configuration.Keys;
            var @namespace = settings.LeaseNamespace ?? keys.ClusterNamespace ?? ControllerDefaults.Namespace;
            var client = rooms.GetRequiredService<Kubernetes.KubernetesClients>().Get(keys.Kubeconfig, keys.Context);
            return new KubernetesLeaseLock(client, @namespace, settings.LeaseName);
        });
        services.AddSingleton(LeaderElectionOptions.For(identity, settings.LeaseDuration));
        services.AddSingleton<LeaderElector>();
        services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaderElector>());
        services.AddHostedService<LeaderElectionService>();
    }
}

/// <summary>
/// At start: reads the keys, schedules the first sync and key check at once, and from then on fires
/// both again whenever this replica becomes the leader.
/// </summary>
public sealed class WorkerStartup(WorkerKeys keys, WorkerJobs jobs, ILeadership leadership, WorkerConfiguration configuration, ILogger<WorkerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await keys.RefreshAsync(cancellationToken);
        leadership.Changed += OnLeadershipChanged;
        if (configuration.UsesGit)
        {
            await jobs.TriggerSyncAsync(cancellationToken);
        }

        await jobs.TriggerRenewalAsync(cancellationToken);
        logger.LogInformation("Worker {Identity} started; keys from {Store}", leadership.Identity, keys.StoreDescription);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        leadership.Changed -= OnLeadershipChanged;
        return Task.CompletedTask;
    }

    private void OnLeadershipChanged(bool leading)
    {
        if (!leading)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (configuration.UsesGit)
                {
                    await jobs.TriggerSyncAsync(CancellationToken.None);
                }

                await jobs.TriggerRenewalAsync(CancellationToken.None);
            }
            catch (SchedulerException e)
            {
                logger.LogDebug("Not starting work after gaining leadership: {Error}", e.Message);
            }
        });
    }
}
