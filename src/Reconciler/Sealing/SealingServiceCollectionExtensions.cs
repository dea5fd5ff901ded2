using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Sealing;

public static class SealingServiceCollectionExtensions
{
    public static IServiceCollection AddSealing(this IServiceCollection services, CryptoEngine engine = CryptoEngine.Auto)
    {
        services.TryAddSingleton(_ => RsaOaepFactory.Create(engine));
        services.TryAddSingleton<CryptoCounters>();
        services.TryAddSingleton<ValueCipher>();
        services.TryAddSingleton<Sealer>();
        services.TryAddSingleton<Unsealer>();
        return services;
    }
}
