using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Targets.Directories;

public static class DirectoryTargetServiceCollectionExtensions
{
    /// <summary>Registers the <c>directory</c> target kind.</summary>
    public static IServiceCollection AddDirectoryTarget(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITargetFactory, DirectoryTargetFactory>());
        return services;
    }
}
