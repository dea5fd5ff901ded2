namespace GitOpsSecrets.Targets;

/// <summary>Bitnami's event reasons, so dashboards and alerts written for the controller keep working.</summary>
public static class SecretEventReasons
{
    public const string Unsealed = "Unsealed";
    public const string UnsealFailed = "ErrUnsealFailed";
    public const string UpdateFailed = "ErrUpdateFailed";
}

/// <summary>An event about one Secret. Messages name Secrets and keys, never values.</summary>
public sealed record SecretEvent(bool Warning, string Reason, string Message)
{
    public static SecretEvent Unsealed() => new(false, SecretEventReasons.Unsealed, "SealedSecret unsealed successfully");

    public static SecretEvent UnsealFailed(string error) => new(true, SecretEventReasons.UnsealFailed, $"Failed to unseal: {error}");

    public static SecretEvent UpdateFailed(string error) => new(true, SecretEventReasons.UpdateFailed, error);

    /// <summary>Bitnami's words for a Secret that exists and is not ours.</summary>
    public static SecretEvent NotOurs(string name) =>
        new(true, SecretEventReasons.UpdateFailed, $"Resource \"{name}\" already exists and is not managed by SealedSecret");
}

/// <summary>
/// Records events on Secrets in a target that has somewhere to put them (a cluster's Events). A target
/// implements it next to <see cref="ISecretTarget"/>; the sync engine calls it for outcomes only it
/// knows (unseal failures, Secrets left alone), the target records its own writes. Recording never
/// fails the caller.
/// </summary>
public interface ISecretEventRecorder
{
    Task RecordAsync(SecretId id, SecretEvent secretEvent, CancellationToken cancellationToken);
}
