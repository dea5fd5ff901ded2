using LibGit2Sharp;

namespace GitOpsSecrets.Git;

internal static class GitObjects
{
    /// <summary>The commit a ref target stands for (annotated tags peeled), or null when it is not a commit.</summary>
    public static Commit? PeelToCommit(GitObject target)
    {
        try
        {
            return target.Peel<Commit>();
        }
        catch (LibGit2SharpException)
        {
            return null;
        }
    }
}
