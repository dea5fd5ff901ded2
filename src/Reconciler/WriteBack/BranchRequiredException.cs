namespace GitOpsSecrets.WriteBack;

/// <summary>The work tree's HEAD is detached and the request named no branch to commit on.</summary>
public sealed class BranchRequiredException : InputException
{
    public BranchRequiredException(string message)
        : base(message)
    {
    }

    public BranchRequiredException()
        : this("HEAD is detached: pass --branch")
    {
    }

    public BranchRequiredException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
