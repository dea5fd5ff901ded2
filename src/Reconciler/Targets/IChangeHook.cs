namespace GitOpsSecrets.Targets;

/// <summary>
/// Implemented by a target that tells someone after a sync changed Secrets in it (a directory target's
/// <c>onChange</c> command). Called once per sync with every Secret created, updated or deleted; returns
/// problems as warnings and never fails the sync.
/// </summary>
public interface IChangeHook
{
    Task<IReadOnlyList<string>> AfterChangesAsync(IReadOnlyList<SecretId> changed, CancellationToken cancellationToken);
}
