using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Git;

/// <summary>Makes a <see cref="GitSecretSource"/> from the <c>source</c> section of the configuration.</summary>
public sealed class GitSecretSourceFactory(GitCacheLocation cacheLocation) : ISecretSourceFactory
{
    public ISecretSource Create(SourceConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration.Url))
        {
            throw new InputException("source.url: a repository URL or path is required");
        }

        var auth = new GitAuth(
            configuration.Auth.TokenFile,
            configuration.Auth.Username,
            configuration.Auth.SshKeyFile,
            configuration.Auth.KnownHostsFile);
        var cacheDirectory = string.IsNullOrWhiteSpace(configuration.CacheDir) ? cacheLocation.For(configuration.Url) : configuration.CacheDir;
        var verifier = CommitSignaturePolicy.From(configuration.Verify) is { } policy ? new CommitVerifier(policy, cacheDirectory) : null;
        return new GitSecretSource(new GitRepositoryCache(configuration.Url, configuration.Ref, cacheDirectory, auth, verifier));
    }
}
