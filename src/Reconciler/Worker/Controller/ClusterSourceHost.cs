using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Worker.Leadership;
using GitOpsSecrets.Worker.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Controller;

/// <summary>
/// Runs the cluster source's controller while this replica leads (always, without leader election):
/// started when leadership is gained, cancelled when it is lost, so two replicas never write the same
/// Secrets. Reads the keys before the first reconcile and again at each leadership gain.
/// </summary>
public sealed class ClusterSourceHost(ClusterController controller, CurrentKeys keys, ILeadership leadership, WorkerMetrics metrics, ILogger<ClusterSourceHost> logger) : BackgroundService
{
    private volatile bool _listedOnce;

    public ClusterController Controller => controller;

    /// <summary>Ready when the first list has been reconciled, or when another replica leads.</summary>
    public bool IsReady => _listedOnce || !leadership.IsLeader;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        controller.Reconciled += metrics.RecordClusterResult;
        while (!stoppingToken.IsCancellationRequested)
        {
            await WaitForLeadershipAsync(stoppingToken);
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            void OnChanged(bool leading)
            {
                if (!leading)
                {
                    lost.Cancel();
                }
            }

            leadership.Changed += OnChanged;
            try
            {
                if (!leadership.IsLeader)
                {
                    continue;
                }

                await keys.RefreshAsync(logger, lost.Token);
                logger.LogInformation("Cluster source: watching {Source}", controller.Description);
                var run = controller.RunAsync(lost.Token);
                _ = MarkReadyAsync(lost.Token);
                await run;
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested)
            {
                // Leadership lost or stopping.
            }
            finally
            {
                leadership.Changed -= OnChanged;
            }
        }
    }

    private async Task MarkReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await controller.WhenSettledAsync(cancellationToken);
            _listedOnce = true;
            logger.LogInformation("Cluster source: every SealedSecret listed has been reconciled");
        }
        catch (OperationCanceledException)
        {
            // Stopped first.
        }
    }

    private async Task WaitForLeadershipAsync(CancellationToken cancellationToken)
    {
        if (leadership.IsLeader)
        {
            return;
        }

        var gained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(bool leading)
        {
            if (leading)
            {
                gained.TrySetResult();
            }
        }

        leadership.Changed += OnChanged;
        try
        {
            if (!leadership.IsLeader)
            {
                await gained.Task.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            leadership.Changed -= OnChanged;
        }
    }
}

/// <summary>
/// Without the git source nothing reloads the keys on a schedule (the sync tick does that otherwise), so
/// every replica reads them again each minute: the HTTP endpoints of a replica that is not the leader
/// then serve a key the leader added, and the leader sees keys imported by hand.
/// </summary>
public sealed class KeyRefreshLoop(CurrentKeys keys, TimeProvider time, ILogger<KeyRefreshLoop> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Period, time, stoppingToken);
                await keys.RefreshAsync(logger, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}

/// <summary>Registers the cluster source (configuration <c>sources.cluster</c>) in the worker.</summary>
public static class ClusterSourceRegistration
{
    public static void AddClusterSource(this IServiceCollection services, ClusterSourceConfiguration cluster, bool withGit)
    {
        if (!withGit)
        {
            services.AddHostedService<KeyRefreshLoop>();
        }

        services.AddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            var client = sp.GetRequiredService<KubernetesClients>().Get(cluster.Kubeconfig, cluster.Context);
            var target = new KubernetesTarget("cluster", client, new KubernetesTargetOptions { RecordEvents = false }, time, loggers.CreateLogger<KubernetesTarget>());
            var api = new KubernetesSealedSecretApi(client, time, loggers.CreateLogger<KubernetesSealedSecretApi>());
            var keys = sp.GetRequiredService<CurrentKeys>();
            var reconciler = new SealedSecretReconciler(target, api, sp.GetRequiredService<Unsealer>(), () => keys.Ring, new ClusterReconcilerOptions { UpdateStatus = cluster.UpdateStatus }, time, loggers.CreateLogger<SealedSecretReconciler>());
            var options = new ClusterControllerOptions { Namespaces = cluster.Namespaces, Resync = cluster.Resync, Parallelism = cluster.Parallelism };
            return new ClusterController(api, reconciler, options, time, loggers.CreateLogger<ClusterController>());
        });
        services.AddSingleton<ClusterSourceHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterSourceHost>());
    }
}
