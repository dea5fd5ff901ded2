using System.Text;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// Keys kept the way the Bitnami controller keeps them: every Secret in the namespace labelled
/// <c>sealedsecrets.bitnami.com/sealed-secrets-key</c> (except those marked compromised), plus the
/// single <c>sealed-secrets-key</c> Secret of very old controllers. An existing installation's keys
/// therefore work unchanged. A malformed key Secret is reported and skipped. New keys are created with
/// generateName, and no key is ever deleted.
/// </summary>
public sealed class ClusterKeyStore(IKubernetes client, string @namespace, KubernetesRetryPolicy retry, TimeProvider time, ILogger<ClusterKeyStore> logger) : IKeyLifecycleStore
{
    private readonly ApiCaller _api = new(retry, time, logger);
    private readonly KubernetesEventRecorder _events = new(client, time, logger);

    public string Namespace { get; } = @namespace;

    public string Description => $"cluster namespace {Namespace}";

    public async Task<KeyLoadResult> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await _api.CallAsync($"listing key Secrets in {Namespace}", ct => client.CoreV1.ListNamespacedSecretAsync(Namespace, labelSelector: KeySecrets.KeyLabel, cancellationToken: ct), cancellationToken);
            var secrets = list.Items.ToList();
            if (secrets.All(s => s.Metadata.Name != KeySecrets.NamePrefix) && await ReadLegacyAsync(cancellationToken) is { } legacy)
            {
                secrets.Add(legacy);
            }

            var results = secrets
                .Where(s => KeySecrets.IsKeySecret(SecretObjects.FromV1(s)))
                .OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)
                .Select(s => KeyMaterialReader.Read(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(WithKind(s))), $"Secret {Namespace}/{s.Metadata.Name}"))
                .ToList();
            return KeyLoadResult.Combine(results);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"reading keys from {Description} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    public async Task<string> AddAsync(SealingKey key, CancellationToken cancellationToken)
    {
        var secret = SecretObjects.ToApply(KeySecrets.ToSecret(key, Namespace), null);
        secret.Metadata.Name = null;
        secret.Metadata.GenerateName = KeySecrets.NamePrefix;
        try
        {
            var created = await _api.CallAsync($"creating a key Secret in {Namespace}", ct => client.CoreV1.CreateNamespacedSecretAsync(secret, Namespace, fieldManager: KubernetesTarget.FieldManager, cancellationToken: ct), cancellationToken);
            logger.LogInformation("Added key {Key} ({Fingerprint}) to {Store}", created.Metadata.Name, key.ShortFingerprint, Description);
            return created.Metadata.Name;
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"adding a key to {Description} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    public async Task<IReadOnlyList<StoredKey>> ListAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await _api.CallAsync($"listing key Secrets in {Namespace}", ct => client.CoreV1.ListNamespacedSecretAsync(Namespace, labelSelector: KeySecrets.KeyLabel, cancellationToken: ct), cancellationToken);
            var secrets = list.Items.ToList();
            if (secrets.All(s => s.Metadata.Name != KeySecrets.NamePrefix) && await ReadLegacyAsync(cancellationToken) is { } legacy)
            {
                secrets.Add(legacy);
            }

            var stored = new List<StoredKey>();
            foreach (var secret in secrets.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
            {
                var read = KeyMaterialReader.Read(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(WithKind(secret))), $"Secret {Namespace}/{secret.Metadata.Name}");
                var retired = secret.Metadata.Labels?.TryGetValue(KeySecrets.KeyLabel, out var label) == true && label == KeySecrets.CompromisedValue;
                DateTimeOffset? retiredAt = secret.Metadata.Annotations?.TryGetValue(KeyLifecycleAnnotations.RetiredAt, out var at) == true
                    && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
                stored.AddRange(read.Keys.Select(k => new StoredKey(secret.Metadata.Name, k, retired, retiredAt)));
            }

            return stored;
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"reading keys from {Description} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    /// <summary>Bitnami's way to take a key out of service: the key label set to <c>compromised</c>.</summary>
    public async Task RetireAsync(StoredKey key, DateTimeOffset at, string reason, CancellationToken cancellationToken)
    {
        var patch = new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, object>
            {
                ["labels"] = new Dictionary<string, string> { [KeySecrets.KeyLabel] = KeySecrets.CompromisedValue },
                ["annotations"] = new Dictionary<string, string>
                {
                    [KeyLifecycleAnnotations.RetiredAt] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                    [KeyLifecycleAnnotations.RetiredReason] = reason,
                },
            },
        };
        try
        {
            var marked = await _api.CallAsync($"marking key Secret {Namespace}/{key.StoredAs} compromised", ct => client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), key.StoredAs, Namespace, fieldManager: KubernetesTarget.FieldManager, cancellationToken: ct), cancellationToken);
            await _events.RecordAsync(new SecretId(Namespace, key.StoredAs), marked.Metadata.Uid, new SecretEvent(true, KeyEventReasons.Retired, $"key {key.Key.ShortFingerprint} retired: labelled {KeySecrets.KeyLabel}={KeySecrets.CompromisedValue}, no longer used to seal or unseal ({reason})"), cancellationToken);
            logger.LogWarning("Retired key {Key} ({Fingerprint}) in {Store}: labelled {Label}={Value} ({Reason})", key.StoredAs, key.Key.ShortFingerprint, Description, KeySecrets.KeyLabel, KeySecrets.CompromisedValue, reason);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"marking key Secret {Namespace}/{key.StoredAs} compromised failed: {ApiCaller.Describe(e)}", e);
        }
    }

    public async Task DeleteRetiredAsync(StoredKey key, CancellationToken cancellationToken)
    {
        try
        {
            var current = await _api.CallAsync($"reading key Secret {Namespace}/{key.StoredAs}", ct => client.CoreV1.ReadNamespacedSecretAsync(key.StoredAs, Namespace, cancellationToken: ct), cancellationToken);
            if (current.Metadata.Labels?.TryGetValue(KeySecrets.KeyLabel, out var label) != true || label != KeySecrets.CompromisedValue)
            {
                throw new TargetException($"key Secret {Namespace}/{key.StoredAs} is no longer marked {KeySecrets.CompromisedValue}; not deleted");
            }

            var preconditions = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid, ResourceVersion = current.Metadata.ResourceVersion } };
            await _api.CallAsync($"deleting key Secret {Namespace}/{key.StoredAs}", ct => client.CoreV1.DeleteNamespacedSecretAsync(key.StoredAs, Namespace, preconditions, cancellationToken: ct), cancellationToken);
            await _events.RecordAsync(new SecretId(Namespace, key.StoredAs), current.Metadata.Uid, new SecretEvent(true, KeyEventReasons.Deleted, $"retired key {key.Key.ShortFingerprint} deleted"), cancellationToken);
            logger.LogWarning("Deleted retired key {Key} ({Fingerprint}) from {Store}", key.StoredAs, key.Key.ShortFingerprint, Description);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"deleting key Secret {Namespace}/{key.StoredAs} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    private async Task<V1Secret?> ReadLegacyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _api.CallAsync($"reading {Namespace}/{KeySecrets.NamePrefix}", ct => client.CoreV1.ReadNamespacedSecretAsync(KeySecrets.NamePrefix, Namespace, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            return null;
        }
    }

    /// <summary>Items of a LIST come without apiVersion and kind; the reader wants a whole Secret.</summary>
    private static V1Secret WithKind(V1Secret secret)
    {
        secret.ApiVersion = "v1";
        secret.Kind = "Secret";
        return secret;
    }
}

/// <summary>Makes the cluster key store for <c>keys.clusterNamespace</c> (or <c>--keys cluster:NAMESPACE</c>).</summary>
public sealed class ClusterKeyStoreFactory(KubernetesClients clients, KubernetesRetryPolicy retry, TimeProvider time, ILoggerFactory loggers) : IClusterKeyStoreFactory
{
    public IKeyStore Create(KeysConfiguration configuration) =>
        new ClusterKeyStore(
            clients.Get(configuration.Kubeconfig, configuration.Context),
            configuration.ClusterNamespace ?? throw new InputException("keys.clusterNamespace is not set"),
            retry,
            time,
            loggers.CreateLogger<ClusterKeyStore>());
}

/// <summary>Reasons of the Events on key Secrets we retire and delete.</summary>
public static class KeyEventReasons
{
    public const string Retired = "KeyRetired";
    public const string Deleted = "KeyDeleted";
}
