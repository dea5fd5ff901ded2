using GitOpsSecrets.Git;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets.Directories;
using GitOpsSecrets.WriteBack;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Hosting;

/// <summary>
/// How a host sets up the rooms: the choices the command line makes for them and the replacements a test
/// (or a host) makes after they registered. The CLI builds one per invocation; <c>run</c> hands the same
/// one to the worker, whose container registers the rooms itself with it.
/// </summary>
public sealed record RoomSetup
{
    /// <summary>The RSA engine sealing and unsealing use (<c>--crypto-engine</c>).</summary>
    public CryptoEngine Engine { get; init; } = CryptoEngine.Auto;

    /// <summary>The host's environment, where the git cache finds XDG_CACHE_HOME and HOME.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Replaces room services once the rooms have registered theirs (<c>CliHost.ConfigureServices</c>).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// The one registration of every room's services, called by both hosts on their own container: the CLI's
/// (<c>CliHost.CreateServices</c>) and the worker's (<c>Worker.WorkerServiceCollectionExtensions.AddWorker</c>).
/// Each room's own <c>AddXxx</c> uses <c>TryAdd*</c>, so what a host registered before wins, and
/// <see cref="RoomSetup.ConfigureServices"/> runs after them, so what a test registers there wins too.
/// </summary>
public static class RoomServiceCollectionExtensions
{
    public static IServiceCollection AddRooms(this IServiceCollection services, RoomSetup setup)
    {
        services.AddSealing(setup.Engine);
        services.AddKeys();
        services.AddSync();
        services.AddGit(setup.GetEnvironmentVariable);
        services.AddKubernetes();
        services.AddDirectoryTarget();
        services.AddWriteBack();
        setup.ConfigureServices?.Invoke(services);
        return services;
    }
}
