using System.Collections.Concurrent;
using System.Runtime.Versioning;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// Secrets as files, laid out like a Kubernetes secret volume: <c>ROOT/NAMESPACE/NAME/KEY</c>, each Secret
/// swapped in atomically (see <see cref="DirectoryWriter"/>), with our record in a sidecar beside its data.
/// Only directories we wrote are ours (<see cref="Ownership"/>): anything else is reported when asked for and
/// never written, taken over or deleted, and no symbolic link below the root is ever followed (<see cref="NoFollow"/>).
/// A sync holds <see cref="Lock"/> throughout and starts by removing what an interrupted sync left (<see cref="DirectoryRecovery"/>). Namespace directories are created when needed and never removed (they
/// may be shared, and an empty one costs nothing).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DirectoryTarget : ISecretTarget
{
    private readonly DirectoryWriter _writer;
    private readonly DirectoryObserver _observer;
    private readonly DirectoryRecovery _recovery;
    private readonly Lock _observing = new();
    private readonly ConcurrentDictionary<SecretId, Lock> _secretLocks = new();

    public DirectoryTarget(string name, string root, FileModePolicy? modes = null, TimeProvider? time = null)
    {
        Name = name;
        Root = Path.GetFullPath(root);
        time ??= TimeProvider.System;
        _writer = new DirectoryWriter(Root, modes ?? FileModePolicy.Defaults, time);
        _observer = new DirectoryObserver(Root, time);
        _recovery = new DirectoryRecovery(Root);
    }

    public string Name { get; }

    public string Kind => DirectoryTargetFactory.KindName;

    public string Root { get; }

    /// <summary>
    /// In the root itself: the root is what two syncs (or a sync and a worker) configured for the same
    /// directory share, whatever their caches and configurations, and the only place both can find.
    /// A hidden name, so it is never taken for a namespace.
    /// </summary>
    public LockFile Lock => new(Path.Join(Root, DirectoryLayout.LockFile), $"target {Name} ({Root})");

    public Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(_recovery.Recover());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetException($"cleaning up {Root} failed: {e.Message}", e);
        }
    }

    /// <summary>Where a Secret's keys are: <c>ROOT/NAMESPACE/NAME</c>.</summary>
    public string SecretDirectory(SecretId id) => _writer.SecretDirectory(id);

    public Task<IReadOnlyList<ObservedSecret>> ObserveAsync(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            lock (_observing)
            {
                return Task.FromResult(_observer.Observe(namespaces, wanted));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetException($"reading {Root} failed: {e.Message}", e);
        }
    }

    public Task WriteAsync(SecretWrite write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DirectoryWriter.Validate(write);
        try
        {
            lock (_secretLocks.GetOrAdd(write.Id, _ => new Lock()))
            {
                _recovery.MarkWriting();
                _writer.Write(write);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetException($"Secret {write.Id}: writing {_writer.SecretDirectory(write.Id)} failed: {e.Message}", e);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(SecretId id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            lock (_secretLocks.GetOrAdd(id, _ => new Lock()))
            {
                _recovery.MarkWriting();
                _writer.Delete(id);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetException($"Secret {id}: deleting {_writer.SecretDirectory(id)} failed: {e.Message}", e);
        }

        return Task.CompletedTask;
    }
}
