using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Sync;

/// <summary>Makes the source for a configuration (the Git room provides the implementation).</summary>
public interface ISecretSourceFactory
{
    ISecretSource Create(SourceConfiguration configuration);
}
