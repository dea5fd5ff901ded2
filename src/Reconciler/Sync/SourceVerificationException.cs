namespace GitOpsSecrets.Sync;

/// <summary>
/// The source was fetched, but the new revision failed its verification (a commit without a good signature
/// from an allowed key): nothing of it is applied. The message is one line naming the commit and the reason.
/// </summary>
public sealed class SourceVerificationException : GitOpsSecretsException
{
    public SourceVerificationException(string message)
        : base(message)
    {
    }

    public SourceVerificationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SourceVerificationException()
        : this("the revision failed verification")
    {
    }
}
