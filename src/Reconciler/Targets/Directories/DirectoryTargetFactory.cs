using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>Makes <see cref="DirectoryTarget"/>s from <c>kind: directory</c> target configurations.</summary>
public sealed class DirectoryTargetFactory(TimeProvider time) : ITargetFactory
{
    public const string KindName = "directory";

    public string Kind => KindName;

    public ISecretTarget Create(TargetConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration.Root))
        {
            throw new InputException($"target {configuration.Name}: root is required");
        }

        var modes = FileModePolicy.FromConfiguration(configuration.Name, configuration.FileMode, configuration.KeyModes);
        if (OperatingSystem.IsWindows())
        {
            throw new InputException($"target {configuration.Name}: the directory target needs Unix file modes and symlinks; it does not run on Windows");
        }

        var target = new DirectoryTarget(configuration.Name, configuration.Root, modes, time);
        return configuration.OnChangeExec is { Count: > 0 } command
            ? new OnChangeCommand(target, target.Root, command, configuration.OnChangeTimeout ?? OnChangeCommand.DefaultTimeout)
            : target;
    }
}
