namespace GitOpsSecrets.Git;

/// <summary>
/// A git operation failed in a way the user can act on (remote unreachable, unknown ref, authentication,
/// dirty tree, conflict). The message is one line and never contains credentials.
/// </summary>
public sealed class GitException : GitOpsSecretsException
{
    public GitException(string message)
        : base(message)
    {
    }

    public GitException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public GitException()
        : this("git operation failed")
    {
    }
}
