using GitOpsSecrets.Git;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.WriteBack;

public static class WriteBackServiceCollectionExtensions
{
    /// <summary>The write-back service (and the Git room's writer under it, unless already registered).</summary>
    public static IServiceCollection AddWriteBack(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGitWriter, GitWriter>();
        services.TryAddSingleton<IWriteBackService, WriteBackService>();
        return services;
    }
}
