using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Sync;

/// <summary>Builds a <see cref="SyncEngine"/> from a configuration already checked by <see cref="ConfigurationValidator"/> (the command line checks it once, when it resolves it).</summary>
public sealed class SyncEngineFactory(
    ISecretSourceFactory sources,
    IKeyStoreFactory keyStores,
    IEnumerable<ITargetFactory> targetFactories,
    Unsealer unsealer,
    CryptoCounters counters,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public SyncEngine Create(WorkerConfiguration configuration, SyncEngineOptions? options = null)
    {
        var factories = targetFactories.ToDictionary(f => f.Kind, StringComparer.Ordinal);
        var targets = configuration.Targets.Select(t =>
        {
            var factory = factories.GetValueOrDefault(t.Kind)
                ?? throw new InputException($"target {t.Name}: unknown kind \"{t.Kind}\" (known: {string.Join(", ", factories.Keys.Order(StringComparer.Ordinal))})");
            return new SyncTarget(factory.Create(t), t.Paths.Count > 0 ? t.Paths : configuration.Source.Paths, t.Prune) { Tenancy = new TenancyGuard(t.Namespaces) };
        }).ToList();
        return new SyncEngine(
            sources.Create(configuration.Source),
            keyStores.Create(configuration.Keys),
            targets,
            unsealer,
            counters,
            time,
            loggers.CreateLogger<SyncEngine>(),
            options);
    }
}
