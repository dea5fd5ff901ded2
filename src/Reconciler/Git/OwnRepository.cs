using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// A repository we keep for ourselves (the sync cache, the write-back clone): opened, or made the first
/// time, with remote <c>origin</c> pointing at the URL and the transport's ssh wrapper configured.
/// </summary>
internal static class OwnRepository
{
    public const string RemoteName = "origin";

    /// <summary>
    /// The first time, a plain local path is cloned (libgit2 copies its object database instead of
    /// building and unpacking a pack in this process, several times faster for a large repository; a path
    /// has no transport to configure). Anything else starts as an empty repository: libgit2 reads
    /// <c>core.sshCommand</c> from the repository being fetched into, and a clone has no repository to
    /// configure until it has already connected.
    /// </summary>
    public static Repository OpenOrCreate(string workTree, GitTransport transport)
    {
        if (!Repository.IsValid(workTree))
        {
            if (Directory.Exists(workTree))
            {
                // Not a repository (a half-made first clone, or something else): it holds nothing we need.
                Directory.Delete(workTree, recursive: true);
            }

            if (IsPlainLocalRepository(transport.Url))
            {
                Repository.Clone(transport.Url, workTree, new CloneOptions { Checkout = false });
            }
            else
            {
                Repository.Init(workTree);
            }
        }

        var repository = new Repository(workTree);
        try
        {
            var remote = repository.Network.Remotes[RemoteName];
            if (remote is null)
            {
                repository.Network.Remotes.Add(RemoteName, transport.Url);
            }
            else if (!string.Equals(remote.Url, transport.Url, StringComparison.Ordinal))
            {
                repository.Network.Remotes.Update(RemoteName, r => r.Url = transport.Url);
            }

            transport.ConfigureSsh(repository);
            return repository;
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>A plain path (not file://) to a repository that exists; anything else takes the fetch path, which names what is wrong.</summary>
    private static bool IsPlainLocalRepository(string url) =>
        !url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && GitUrls.LocalPath(url) is { } path && Directory.Exists(path) && Repository.IsValid(path);
}
