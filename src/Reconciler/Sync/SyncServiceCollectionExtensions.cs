using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Sync;

public static class SyncServiceCollectionExtensions
{
    public static IServiceCollection AddSync(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SyncEngineFactory>();
        return services;
    }
}
