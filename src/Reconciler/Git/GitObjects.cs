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

    /// <summary>Fetches one branch of a remote into its tracking ref and returns the commit it points to.</summary>
    public static Commit FetchBranch(Repository repository, GitTransport transport, string remote, string branch, CancellationToken cancellationToken)
    {
        var tracking = $"refs/remotes/{remote}/{branch}";
        transport.Run(
            "fetch",
            () =>
            {
                Commands.Fetch(repository, remote, [$"+refs/heads/{branch}:{tracking}"], transport.FetchOptions(cancellationToken), "gitops-secrets write-back fetch");
                return true;
            },
            cancellationToken);
        return (repository.Refs[tracking]?.ResolveToDirectReference()?.Target is { } target ? PeelToCommit(target) : null)
            ?? throw new GitException($"branch {branch} is missing on {transport.Description}");
    }
}
