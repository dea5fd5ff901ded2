using GitOpsSecrets.Keys;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>The Kubernetes target kind and the cluster key store, over one shared client per cluster.</summary>
    public static IServiceCollection AddKubernetes(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KubernetesClients>();
        services.TryAddSingleton(new KubernetesRetryPolicy());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITargetFactory, KubernetesTargetFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClusterKeyStoreFactory, ClusterKeyStoreFactory>());
        return services;
    }
}
