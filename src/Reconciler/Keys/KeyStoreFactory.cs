using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Keys;

/// <summary>Makes the key store a configuration names: a directory of key files, or a cluster namespace.</summary>
public interface IKeyStoreFactory
{
    IKeyStore Create(KeysConfiguration configuration);
}

/// <summary>The directory store; the cluster store is added by the Kubernetes target room.</summary>
public sealed class KeyStoreFactory(IEnumerable<IClusterKeyStoreFactory> clusterStores) : IKeyStoreFactory
{
    public IKeyStore Create(KeysConfiguration configuration)
    {
        if (configuration.ClusterNamespace is not null)
        {
            var factory = clusterStores.FirstOrDefault()
                ?? throw new InputException("keys.clusterNamespace: the cluster key store is not available in this build");
            return factory.Create(configuration);
        }

        return configuration.Directory is { } directory
            ? new PathKeyStore(directory)
            : throw new InputException("no key store: set keys.directory (or --keys PATH) or keys.clusterNamespace (or --keys cluster:NAMESPACE)");
    }
}

/// <summary>Implemented where KubernetesClient lives, so the Keys room never references it.</summary>
public interface IClusterKeyStoreFactory
{
    IKeyStore Create(KeysConfiguration configuration);
}

/// <summary>A key directory, or a single key file (read-only: a file has no room for new keys).</summary>
public sealed class PathKeyStore(string path) : IKeyStore
{
    public string Description => Directory.Exists(path) ? $"directory {path}" : $"file {path}";

    public Task<KeyLoadResult> LoadAsync(CancellationToken cancellationToken) =>
        Task.FromResult(KeyPaths.Load([path]));

    public Task<string> AddAsync(SealingKey key, CancellationToken cancellationToken) =>
        Directory.Exists(path)
            ? new DirectoryKeyStore(path).AddAsync(key, cancellationToken)
            : throw new InputException($"cannot add a key to {path}: it is a file, not a key directory");
}
