using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Keys;

public static class KeysServiceCollectionExtensions
{
    public static IServiceCollection AddKeys(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeyGenerator>();
        services.TryAddSingleton(_ => new HttpClient { Timeout = TimeSpan.FromSeconds(30) });
        services.TryAddSingleton<CertificateLoader>();
        services.TryAddSingleton<IKeyStoreFactory, KeyStoreFactory>();
        return services;
    }
}
