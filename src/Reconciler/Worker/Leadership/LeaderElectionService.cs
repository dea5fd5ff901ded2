using Microsoft.Extensions.Hosting;

namespace GitOpsSecrets.Worker.Leadership;

/// <summary>Runs the elector for the life of the worker and releases the lease when it stops.</summary>
public sealed class LeaderElectionService(LeaderElector elector) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => elector.RunAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await elector.ReleaseAsync(cancellationToken);
    }
}
