namespace GitOpsSecrets.Sync.Cluster;

/// <summary>
/// A SealedSecret as the API server holds it: identity, the generation and resourceVersion the status
/// refers to, its Synced condition as last written, and the object itself as JSON (read through the
/// Manifests room's bounded reader, like any repository file).
/// </summary>
public sealed record ClusterSealedSecret(string Namespace, string Name, string Uid, long Generation, string ResourceVersion, byte[] Json)
{
    /// <summary>The Synced condition on the object now (null: none yet), so a status write happens only on a change.</summary>
    public SyncedCondition? Synced { get; init; }

    public long? ObservedGeneration { get; init; }

    public string Key => $"{Namespace}/{Name}";
}

/// <summary>Bitnami's <c>status.conditions[type=Synced]</c>.</summary>
public sealed record SyncedCondition(bool Status, string Reason, string Message, DateTimeOffset LastUpdateTime, DateTimeOffset LastTransitionTime);

/// <summary>What a LIST returned: every object and the resourceVersion to watch from.</summary>
public sealed record SealedSecretList(IReadOnlyList<ClusterSealedSecret> Items, string ResourceVersion);

public enum SealedSecretChange
{
    Added,
    Modified,
    Deleted,

    /// <summary>A bookmark: no object changed, the watch has seen everything up to its resourceVersion.</summary>
    Bookmark,
}

/// <summary>One watch event; <see cref="Object"/> is null for a bookmark.</summary>
public sealed record SealedSecretEvent(SealedSecretChange Change, ClusterSealedSecret? Object, string ResourceVersion);

/// <summary>The watch's resourceVersion is older than the server keeps (410 Gone): list again.</summary>
public sealed class WatchExpiredException : Exception
{
    public WatchExpiredException(string message)
        : base(message)
    {
    }

    public WatchExpiredException()
    {
    }

    public WatchExpiredException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The SealedSecret custom resources of a cluster, as the controller needs them: list, watch from a
/// resourceVersion, write the status subresource, record an Event on the object. Implemented in the
/// Kubernetes room (the only one using KubernetesClient); tests may replace it.
/// </summary>
public interface ISealedSecretApi
{
    string Description { get; }

    /// <summary>Every SealedSecret in a namespace, or in all of them (null).</summary>
    Task<SealedSecretList> ListAsync(string? @namespace, CancellationToken cancellationToken);

    /// <summary>Changes after <paramref name="resourceVersion"/>, with bookmarks; ends when the server closes the watch. Throws <see cref="WatchExpiredException"/> on 410 Gone.</summary>
    IAsyncEnumerable<SealedSecretEvent> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken);

    /// <summary>Writes <c>status</c> (Synced condition, observedGeneration) through the status subresource.</summary>
    Task UpdateStatusAsync(ClusterSealedSecret sealedSecret, SyncedCondition condition, CancellationToken cancellationToken);

    /// <summary>Records an Event whose involved object is the SealedSecret; never fails the caller.</summary>
    Task RecordEventAsync(ClusterSealedSecret sealedSecret, Targets.SecretEvent secretEvent, CancellationToken cancellationToken);
}
