using GitOpsSecrets.IO;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Targets;

/// <summary>A Secret's identity in a target.</summary>
public readonly record struct SecretId(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>
/// What we record with every Secret we apply, so the next sync can tell without decrypting anything
/// whether the Secret is still what its SealedSecret makes (sealed hash) and still holds what we wrote
/// (data hash). Kept as annotations on a cluster Secret, in a sidecar file in a directory.
/// </summary>
/// <param name="SealedHash">SHA-256 over the SealedSecret's encryptedData, template and scope.</param>
/// <param name="DataHash">SHA-256 over the data we wrote (see <see cref="SecretHashes.DataHash"/>).</param>
/// <param name="Source">Repository path of the manifest (and document index).</param>
/// <param name="Revision">The git revision it came from, <c>ref@sha1:…</c>.</param>
public sealed record AppliedStamp(string SealedHash, string DataHash, string Source, string Revision);

/// <summary>How a pre-existing Secret that we did not create may be taken over (Bitnami's annotations).</summary>
public enum Takeover
{
    /// <summary>Not ours and not offered: left alone and reported.</summary>
    None,

    /// <summary><c>sealedsecrets.bitnami.com/managed: "true"</c>: replace it entirely.</summary>
    Replace,

    /// <summary><c>sealedsecrets.bitnami.com/patch: "true"</c>: merge our keys into it.</summary>
    Patch,
}

/// <summary>A Secret as a target holds it now. Carries no values: only hashes and metadata.</summary>
public sealed record ObservedSecret
{
    public required SecretId Id { get; init; }

    /// <summary>True when we wrote it (our label, or our sidecar): ours to update and to prune.</summary>
    public required bool Managed { get; init; }

    /// <summary>What we recorded when we last wrote it; null when not managed or the record is unreadable.</summary>
    public AppliedStamp? Stamp { get; init; }

    /// <summary>Hash of the data it holds now, so edits by someone else show without decryption.</summary>
    public required string ActualDataHash { get; init; }

    public string Type { get; init; } = Secret.DefaultType;

    public bool Immutable { get; init; }

    /// <summary>Labels and annotations it carries now, our own stamps excluded.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Key name → <see cref="SecretHashes.KeyHash"/> of its current value, so a diff can say which keys
    /// changed without holding or printing any value.
    /// </summary>
    public IReadOnlyDictionary<string, string> KeyHashes { get; init; } = new Dictionary<string, string>();

    public Takeover Takeover { get; init; } = Takeover.None;

    /// <summary>The uid in its controller ownerReference (a SealedSecret's, when Bitnami's controller or ours made it); null: none.</summary>
    public string? ControllerUid { get; init; }
}

/// <summary>How a write must be done.</summary>
public enum WriteMode
{
    Create,
    Update,

    /// <summary>Take over a Secret we did not create, replacing it (Bitnami's <c>managed</c> annotation).</summary>
    Replace,

    /// <summary>Take over a Secret we did not create, merging our keys into it (Bitnami's <c>patch</c> annotation).</summary>
    Patch,

    /// <summary>Delete and create again: an immutable Secret whose data changed, when the SealedSecret opts in.</summary>
    Recreate,
}

/// <summary>One Secret to write, and the stamp to record with it.</summary>
public sealed record SecretWrite(Secret Secret, AppliedStamp Stamp, WriteMode Mode)
{
    public SecretId Id => new(Secret.Metadata.Namespace!, Secret.Metadata.Name!);

    /// <summary>The object the Secret belongs to (controller ownerReference), so deleting it deletes the Secret; null: none.</summary>
    public SecretOwner? Owner { get; init; }
}

/// <summary>A controller owner of a Secret: the SealedSecret it was made from, in controller mode.</summary>
public sealed record SecretOwner(string ApiVersion, string Kind, string Name, string Uid);

/// <summary>A target that can read one Secret by id (one GET), for callers that handle one object at a time (the cluster controller).</summary>
public interface ISingleSecretReader
{
    Task<ObservedSecret?> ObserveOneAsync(SecretId id, CancellationToken cancellationToken);
}

/// <summary>
/// Where Secrets go: a cluster or a directory. Implementations keep values in memory only as long as a
/// write takes, and never put them in exceptions or logs.
/// </summary>
public interface ISecretTarget
{
    /// <summary>The name given in the configuration, for reports.</summary>
    string Name { get; }

    /// <summary>"kubernetes" or "directory".</summary>
    string Kind { get; }

    /// <summary>
    /// The lock a sync holds on this target from its first read to its last write, so two syncs (processes
    /// or workers) never interleave their writes; null when the target needs none.
    /// </summary>
    LockFile? Lock => null;

    /// <summary>
    /// Called once per sync (never by plan), holding <see cref="Lock"/>, before the target is read: removes
    /// what an interrupted earlier sync left behind. Returns one line per thing it had to do, for warnings.
    /// </summary>
    Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>
    /// What the target holds in these namespaces (null: in every namespace): every Secret we manage (one
    /// read per namespace), plus any Secret we do not manage whose id is in <paramref name="wanted"/> (so
    /// it can be taken over or left alone and reported).
    /// </summary>
    Task<IReadOnlyList<ObservedSecret>> ObserveAsync(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted, CancellationToken cancellationToken);

    /// <summary>Writes one Secret with our stamp; atomic for readers of the target.</summary>
    Task WriteAsync(SecretWrite write, CancellationToken cancellationToken);

    /// <summary>Deletes a Secret we manage. Implementations re-check ownership and never delete anything else.</summary>
    Task DeleteAsync(SecretId id, CancellationToken cancellationToken);
}

/// <summary>A target refused or failed an operation; the message names the Secret, never a value.</summary>
public sealed class TargetException : GitOpsSecretsException
{
    public TargetException(string message)
        : base(message)
    {
    }

    public TargetException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TargetException()
    {
    }

    /// <summary>True when trying again later may succeed (throttling, server errors, timeouts).</summary>
    public bool Transient { get; init; }
}
