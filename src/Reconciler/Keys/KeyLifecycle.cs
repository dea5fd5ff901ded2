namespace GitOpsSecrets.Keys;

/// <summary>A key as its store holds it, retired or not, with the name of what holds it (a key Secret).</summary>
public sealed record StoredKey(string StoredAs, SealingKey Key, bool Retired, DateTimeOffset? RetiredAt);

/// <summary>
/// A key store that can take keys out of service: first by marking the key Secret with Bitnami's
/// <c>compromised</c> label (the controller and we then stop loading it: it neither seals nor opens),
/// later by deleting it. The cluster store implements it.
/// </summary>
public interface IKeyLifecycleStore : IKeyStore
{
    /// <summary>Every key, retired ones included. The caller disposes the keys.</summary>
    Task<IReadOnlyList<StoredKey>> ListAllAsync(CancellationToken cancellationToken);

    /// <summary>Marks the key Secret compromised and records when and why (annotations).</summary>
    Task RetireAsync(StoredKey key, DateTimeOffset at, string reason, CancellationToken cancellationToken);

    /// <summary>Deletes a key Secret that is still marked compromised (re-checked, with a uid/resourceVersion precondition).</summary>
    Task DeleteRetiredAsync(StoredKey key, CancellationToken cancellationToken);
}

/// <summary>The annotations we add to a key Secret we retire.</summary>
public static class KeyLifecycleAnnotations
{
    public const string RetiredAt = "gitops-secrets.io/retired-at";
    public const string RetiredReason = "gitops-secrets.io/retired-reason";
}
