namespace GitOpsSecrets;

/// <summary>
/// A failure of the product's own making that a user or operator can act on: bad input, a git or
/// target operation refused, a source that failed verification, a lock held too long. Its message is
/// one line that names the object at fault and never carries a secret value or a credential.
/// Exceptions used as control flow inside a room (a watch to restart, a lease conflict to retry) are
/// not of this family.
/// </summary>
public abstract class GitOpsSecretsException : Exception
{
    protected GitOpsSecretsException(string message)
        : base(message)
    {
    }

    protected GitOpsSecretsException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    protected GitOpsSecretsException()
    {
    }
}

/// <summary>The one rule for which exceptions are expected failures, named once instead of at every catch.</summary>
public static class Failures
{
    /// <summary>
    /// True for the product's own failures and for the operating system's and network's (a file or
    /// directory refused, a connection failed): they fail the object, target or step at hand and are
    /// reported, and the rest goes on. False for bugs, cancellation and out-of-memory, which propagate.
    /// </summary>
    public static bool IsExpected(Exception exception) =>
        exception is GitOpsSecretsException or IOException or UnauthorizedAccessException or HttpRequestException;
}
