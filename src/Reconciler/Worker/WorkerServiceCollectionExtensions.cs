using GitOpsSecrets.Configuration;
using GitOpsSecrets.Hosting;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Worker.Controller;
using GitOpsSecrets.Worker.Http;
using GitOpsSecrets.Worker.Jobs;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Scheduling;
using GitOpsSecrets.Worker.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

    /// <summary>The command's clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How the rooms are set up in the worker's container: <c>run</c> passes the CLI's, so a test's room fakes reach the worker.</summary>
    public RoomSetup Rooms { get; init; } = new();

    /// <summary>Lets a test replace worker services (the lease lock, the sync runner) after ours are registered.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// The worker's services in its own container: the rooms (registered by <see cref="RoomServiceCollectionExtensions.AddRooms"/>,
/// exactly as <c>sync</c> registers them), the Quartz jobs, leader election and the state the endpoints
/// read. The configuration is the one the command line checked (<c>ConfigurationValidator</c>).
/// </summary>
public static class WorkerServiceCollectionExtensions
{
    public static IServiceCollection AddWorker(this IServiceCollection services, WorkerConfiguration configuration, WorkerHostOptions options)
    {
        var settings = configuration.Worker;
        var time = options.Time;
        // Built before anything starts, so a missing token file fails `run` at once with one line.
        var notificationChannels = new Notifications.NotificationChannelFactory(options.GetEnvironmentVariable).Create(configuration.Notifications);

        services.AddSingleton(time);
        services.AddRooms(options.Rooms);
        services.AddSingleton(configuration);
        if (configuration.UsesGit)
        {
            services.AddSingleton(sp => sp.GetRequiredService<SyncEngineFactory>().Create(configuration, keys: sp.GetRequiredService<CurrentKeys>()));
        }

        if (configuration.Cluster is { } cluster)
        {
            services.AddClusterSource(cluster, configuration.UsesGit);
        }

        services.AddSingleton(sp => sp.GetRequiredService<IKeyStoreFactory>().Create(configuration.Keys));
        services.AddSingleton<CurrentKeys>();
        services.AddSingleton<WorkerStatus>();
        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton<KeyLifecycle.KeyLifecycleState>();
        services.AddSingleton<KeyLifecycle.KeyMaintenance>();
        services.AddSingleton<WorkerReadiness>();
        services.AddSingleton<SealedSecretChecks>();
        services.AddSingleton(new SyncHookToken(settings.SyncHookTokenFile));
        services.AddSingleton(new SyncSchedule(configuration.Source.Interval, settings.Jitter));
        services.AddSingleton(new RenewalSettings(configuration.Keys.RenewPeriod, configuration.Keys.CutoffTime));
        services.AddSingleton<KeyRenewer>();
        services.TryAddSingleton<Publishing.CertificatePublisher>();
        services.AddSingleton<WorkerJobs>();
        services.TryAddSingleton(sp => new Notifications.Notifier(notificationChannels, configuration.Targets.Select(t => t.Name).ToList(), time, sp.GetRequiredService<ILogger<Notifications.Notifier>>(), sp.GetService<Notifications.NotifierOptions>(), metrics: sp.GetRequiredService<WorkerMetrics>()));
        services.TryAddSingleton<ISyncRunner, SyncRunner>();
        AddLeadership(services, configuration, options.Identity);

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
        return services;
    }

    private static void AddLeadership(IServiceCollection services, WorkerConfiguration configuration, string identity)
    {
        var settings = configuration.Worker;
        if (!settings.LeaderElect)
        {
            services.AddSingleton<ILeadership>(new AlwaysLeader(identity));
            return;
        }

        services.TryAddSingleton<ILeaseLock>(sp =>
        {
            var keys = configuration.Keys;
            var @namespace = settings.LeaseNamespace ?? keys.ClusterNamespace ?? ControllerDefaults.Namespace;
            return KubernetesLeaseLock.For(sp.GetRequiredService<KubernetesClients>(), keys.Kubeconfig, keys.Context, @namespace, settings.LeaseName);
        });
        services.AddSingleton(LeaderElectionOptions.For(identity, settings.LeaseDuration));
        services.AddSingleton<LeaderElector>();
        services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaderElector>());
        services.AddHostedService<LeaderElectionService>();
    }
}
