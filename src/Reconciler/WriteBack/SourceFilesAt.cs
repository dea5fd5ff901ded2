using GitOpsSecrets.Git;
using GitOpsSecrets.Reseal;

namespace GitOpsSecrets.WriteBack;

/// <summary>
/// The manifest files a read-only key check looks at: the paths as they are in the work tree, or, with
/// a revision, as they are at that commit of the repository holding the first path (copied out of git
/// into a scratch directory removed afterwards; only sealed documents, never plaintext).
/// </summary>
public static class SourceFilesAt
{
    public static T Use<T>(IReadOnlyList<string> paths, string? revision, Func<IReadOnlyList<string>, Func<string, string>, string?, T> use)
    {
        if (revision is null)
        {
            return use(ManifestFiles.Find(paths), f => f, null);
        }

        var scratch = Directory.CreateTempSubdirectory("gitops-secrets-rev-");
        try
        {
            string root;
            string commit;
            try
            {
                root = GitWorkTrees.Discover(paths[0]).Root;
                var relative = paths.Select(p => Path.GetRelativePath(root, Path.GetFullPath(p))).ToList();
                commit = GitRevisionFiles.Export(root, revision, relative, scratch.FullName);
            }
            catch (GitException e)
            {
                throw new InputException(e.Message.Replace("--commit", "--ref", StringComparison.Ordinal), e);
            }

            return use(ManifestFiles.Find([scratch.FullName]), f => Path.GetRelativePath(scratch.FullName, f).Replace('\\', '/'), commit);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
