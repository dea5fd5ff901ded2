using System.Globalization;
using GitOpsSecrets.Git;
using GitOpsSecrets.Reseal;

namespace GitOpsSecrets.WriteBack;

/// <summary><c>reseal --commit/--push</c> (and <c>keys compromised --reseal --commit/--push</c>): resealing as a write-back change.</summary>
public static class ResealWriteBack
{
    /// <summary>
    /// Reseals inside the write-back's change step, so the tree is checked clean first and, when the
    /// branch moved before the push, the work tree is reset to the new head and resealed again there.
    /// Nothing is committed when any SealedSecret failed: the rewritten files stay in the work tree, as
    /// without write-back.
    /// </summary>
    public static async Task<(ResealReport Report, GitWriteResult Written)> ResealAndCommitAsync(this Resealer resealer, IReadOnlyList<string> paths, WriteBackSettings settings, IWriteBackService writeBack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resealer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(writeBack);
        ResealReport? report = null;
        var written = await writeBack.WriteAsync(
            settings.ToRequest(
                paths[0],
                async (_, ct) =>
                {
                    report = await resealer.RunAsync(ManifestFiles.Find(paths), check: false, ct);
                    return report.Failed > 0 ? [] : report.Files.Where(f => f.Written).Select(f => Path.GetFullPath(f.File)).ToList();
                },
                root => CommitMessage(settings.MessageTemplate, report!, root)),
            cancellationToken);
        return (report!, written);
    }

    /// <summary>What was resealed and why, with the files; never a value.</summary>
    private static string CommitMessage(string template, ResealReport report, string root)
    {
        var subject = CommitMessageTemplate.Render(template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["secrets"] = report.Resealed.ToString(CultureInfo.InvariantCulture),
            ["values"] = report.RewrittenValues.ToString(CultureInfo.InvariantCulture),
            ["files"] = report.FilesRewritten.ToString(CultureInfo.InvariantCulture),
            ["key"] = report.NewestFingerprint.Length > 12 ? report.NewestFingerprint[..12] : report.NewestFingerprint,
        });
        var files = report.Files.Where(f => f.Written).Select(f => "- " + Path.GetRelativePath(root, Path.GetFullPath(f.File)).Replace('\\', '/'));
        return $"{subject}\n\nRe-encrypted to the newest sealing key ({report.NewestFingerprint}) by gitops-secrets reseal;\nthe sealed values are unchanged.\n\n{string.Join('\n', files)}\n";
    }
}
