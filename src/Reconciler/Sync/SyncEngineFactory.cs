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
    /// <param name="configuration">The checked configuration.</param>
    /// <param name="options">Parallelism and lock timeout.</param>
    /// <param name="keys">The current keys the engine shares with others (the worker's); null: its own, over the configured store.</param>
    public SyncEngine Create(WorkerConfiguration configuration, SyncEngineOptions? options = null, CurrentKeys? keys = null)
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
            // Its own keys log nothing: what they skip is in the report, which carries every warning.
            keys ?? new CurrentKeys(keyStores.Create(configuration.Keys)),
            targets,
            unsealer,
            counters,
            time,
            loggers.CreateLogger<SyncEngine>(),
            options);
    }
}
