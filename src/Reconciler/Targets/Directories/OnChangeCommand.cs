using System.Diagnostics;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// A directory target with an <c>onChange.exec</c> command: after a sync changed Secrets, runs the command
/// (argv as configured, no shell) with the changed Secret directories in the environment, never in argv:
/// <c>GITOPS_SECRETS_CHANGED_PATHS</c> (one absolute path <c>ROOT/NAMESPACE/NAME</c> per line),
/// <c>GITOPS_SECRETS_TARGET</c> and <c>GITOPS_SECRETS_TARGET_ROOT</c>. Its output is not logged (it may
/// print anything); a failure or timeout is a warning.
/// </summary>
public sealed class OnChangeCommand(ISecretTarget inner, string root, IReadOnlyList<string> command, TimeSpan timeout) : ISecretTarget, IChangeHook
{
    public const string ChangedPathsVariable = "GITOPS_SECRETS_CHANGED_PATHS";
    public const string TargetVariable = "GITOPS_SECRETS_TARGET";
    public const string TargetRootVariable = "GITOPS_SECRETS_TARGET_ROOT";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    public string Name => inner.Name;

    public string Kind => inner.Kind;

    public LockFile? Lock => inner.Lock;

    public ISecretTarget Inner => inner;

    public Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken) => inner.RecoverAsync(cancellationToken);

    public Task<IReadOnlyList<ObservedSecret>> ObserveAsync(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted, CancellationToken cancellationToken) =>
        inner.ObserveAsync(namespaces, wanted, cancellationToken);

    public Task WriteAsync(SecretWrite write, CancellationToken cancellationToken) => inner.WriteAsync(write, cancellationToken);

    public Task DeleteAsync(SecretId id, CancellationToken cancellationToken) => inner.DeleteAsync(id, cancellationToken);

    public async Task<IReadOnlyList<string>> AfterChangesAsync(IReadOnlyList<SecretId> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return [];
        }

        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ChangedPathsVariable] = string.Join('\n', changed.Select(id => Path.Combine(root, id.Namespace, id.Name)).Order(StringComparer.Ordinal));
        start.Environment[TargetVariable] = inner.Name;
        start.Environment[TargetRootVariable] = root;
        var what = $"target {inner.Name}: onChange command {command[0]}";
        try
        {
            using var process = Process.Start(start) ?? throw new IOException("it did not start");
            process.StandardInput.Close();
            var drained = Task.WhenAll(process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancellationToken), process.StandardError.BaseStream.CopyToAsync(Stream.Null, cancellationToken));
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
                await drained;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return [$"{what} did not finish within {timeout.TotalSeconds:0}s and was killed"];
            }

            return process.ExitCode == 0 ? [] : [$"{what} exited with code {process.ExitCode}"];
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return [$"{what} could not be run: {e.Message}"];
        }
    }
}
