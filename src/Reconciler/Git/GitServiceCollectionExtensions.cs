using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Git;

public static class GitServiceCollectionExtensions
{
    /// <summary>The git source for the sync engine and the write-back used by reseal.</summary>
    public static IServiceCollection AddGit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GitCacheLocation>(_ => new GitCacheLocation());
        services.TryAddSingleton<ISecretSourceFactory, GitSecretSourceFactory>();
        services.TryAddSingleton<IGitWriter, GitWriter>();
        return services;
    }
}
