using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Targets;

/// <summary>Makes a target of one kind from its configuration; each target room registers one.</summary>
public interface ITargetFactory
{
    /// <summary>The <c>kind</c> in the configuration: "directory", "kubernetes".</summary>
    string Kind { get; }

    /// <summary>Creates the target, or throws an <see cref="InputException"/> naming what is wrong in its configuration.</summary>
    ISecretTarget Create(TargetConfiguration configuration);
}
