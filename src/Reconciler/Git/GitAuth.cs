namespace GitOpsSecrets.Git;

/// <summary>
/// Credentials for a remote, as files (so secrets never sit in configuration or on a command line).
/// https: <see cref="TokenFile"/> (sent as the basic-auth password) and <see cref="Username"/> (default "git").
/// ssh: <see cref="SshKeyFile"/> and <see cref="KnownHostsFile"/>; the host key must already be known.
/// </summary>
public sealed record GitAuth(
    string? TokenFile = null,
    string? Username = null,
    string? SshKeyFile = null,
    string? KnownHostsFile = null)
{
    public static GitAuth None { get; } = new();

    internal string EffectiveUsername => string.IsNullOrEmpty(Username) ? "git" : Username;
}
