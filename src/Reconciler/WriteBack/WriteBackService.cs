using GitOpsSecrets.Git;

namespace GitOpsSecrets.WriteBack;

/// <summary>
/// The write-back over the Git room: the work tree comes from <see cref="GitWorkTrees"/> (found around a
/// path, or a private clone brought to the remote head), the commit and push with retry from
/// <see cref="IGitWriter"/>.
/// </summary>
public sealed class WriteBackService(IGitWriter writer) : IWriteBackService
{
    public async Task<GitWriteResult> WriteAsync(WriteBackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (root, branch) = await WorkTreeAsync(request, cancellationToken);
        var write = new GitWriteRequest
        {
            WorkTree = root,
            Branch = branch,
            AuthorName = request.AuthorName,
            AuthorEmail = request.AuthorEmail,
            Message = request.Message,
            MessageFactory = request.MessageFactory is { } message ? () => message(root) : null,
            Change = request.Change,
            Strategy = request.Strategy,
            Push = request.Push,
            Auth = request.Auth,
        };
        return await writer.CommitAndPushAsync(request.Backoff is { } backoff ? write with { Backoff = backoff } : write, cancellationToken);
    }

    private static async Task<(string Root, string Branch)> WorkTreeAsync(WriteBackRequest request, CancellationToken cancellationToken)
    {
        switch (request.Location)
        {
            case WorkTreeOf near:
                var (root, current) = GitWorkTrees.Discover(near.Path);
                return (root, near.Branch ?? current ?? throw new BranchRequiredException());
            case CloneOf clone:
                return (await GitWorkTrees.CloneOrUpdateAsync(clone.Url, clone.Branch, clone.Directory, request.Auth, cancellationToken), clone.Branch);
            default:
                throw new ArgumentException($"unknown write-back location {request.Location?.GetType().Name}", nameof(request));
        }
    }
}
