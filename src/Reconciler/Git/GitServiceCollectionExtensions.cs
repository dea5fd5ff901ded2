using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Git;

public static class GitServiceCollectionExtensions
{
    /// <summary>The git source for the sync engine and the write-back used by reseal.</summary>
    /// <param name="services">The collection to add to.</param>
    /// <param name="getEnvironmentVariable">Where XDG_CACHE_HOME and HOME come from (the CLI passes its host's); default the process's.</param>
    public static IServiceCollection AddGit(this IServiceCollection services, Func<string, string?>? getEnvironmentVariable = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new GitCacheLocation(getEnvironmentVariable ?? Environment.GetEnvironmentVariable));
        services.TryAddSingleton<ISecretSourceFactory, GitSecretSourceFactory>();
        services.TryAddSingleton<IGitWriter, GitWriter>();
        return services;
    }
}
