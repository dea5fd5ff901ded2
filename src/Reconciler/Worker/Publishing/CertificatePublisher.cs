using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Worker.Metrics;
using GitOpsSecrets.Worker.Status;
using GitOpsSecrets.WriteBack;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Publishing;

/// <summary>What one publishing attempt did.</summary>
public enum CertificatePublishResult
{
    /// <summary>A commit holding the newest certificate was pushed.</summary>
    Published,

    /// <summary>The file already held the newest certificate: nothing was committed.</summary>
    Unchanged,

    /// <summary>Clone, fetch, commit or push failed; retried later.</summary>
    Failed,
}

/// <summary>
/// The closed loop: commits the newest sealing certificate (public material only) to the configured
/// path of the source repository and pushes it, so a workflow watching that path (the reseal job) runs.
/// Works in its own clone next to the sync cache, never in the sync cache itself. A failure is logged,
/// counted and shown in <c>/status</c>, and never stops the worker: the caller retries later.
/// </summary>
public sealed class CertificatePublisher(
    WorkerConfiguration configuration,
    IWriteBackService writeBack,
    GitCacheLocation cacheLocation,
    WorkerStatus status,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<CertificatePublisher> logger)
{
    private readonly PublishCertificateConfiguration? _settings = configuration.Keys.PublishCertificate;

    public bool Enabled => _settings is not null;

    /// <summary>Wait before the first retry of a push rejected because the branch moved (doubled per retry).</summary>
    public TimeSpan PushBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Makes the configured file hold the newest certificate of <paramref name="ring"/>; null when publishing is off or there is no key.</summary>
    public async Task<CertificatePublishResult?> PublishAsync(KeyRing ring, CancellationToken cancellationToken)
    {
        if (_settings is not { } settings || ring.Newest is not { } newest)
        {
            return null;
        }

        var source = configuration.Source;
        var path = settings.Path!.Replace('\\', '/');
        var branch = BranchFor(settings, source.Ref);
        var pem = KeySecrets.CertificatePem(newest);
        var started = time.GetUtcNow();
        CommitAuthor.TryParse(settings.Author, out var author);
        try
        {
            var written = await writeBack.WriteAsync(
                new WriteBackRequest
                {
                    Location = new CloneOf(source.Url!, branch, WorkTreeDirectory(source)),
                    AuthorName = author.Name,
                    AuthorEmail = author.Email,
                    Message = CommitMessageTemplate.Render(settings.Message, new Dictionary<string, string>(StringComparer.Ordinal) { ["key"] = newest.ShortFingerprint }),
                    Change = (root, _) => Task.FromResult(WriteCertificate(root, path, pem)),
                    Strategy = GitWriteStrategy.Redo,
                    Backoff = PushBackoff,
                    Auth = Auth(source),
                },
                cancellationToken);

            var result = written.Pushed ? CertificatePublishResult.Published : CertificatePublishResult.Unchanged;
            if (written.Pushed)
            {
                logger.LogInformation("Published sealing certificate {Key} to {Path} on {Branch} of {Repository} (commit {Commit})", newest.ShortFingerprint, path, branch, GitUrls.Scrub(source.Url!), written.Commit![..12]);
            }
            else
            {
                logger.LogDebug("Certificate {Key} already published at {Path} on {Branch}", newest.ShortFingerprint, path, branch);
            }

            Record(new CertificatePublishStatus(started, result.ToString().ToLowerInvariant(), newest.ShortFingerprint, path, branch, written.Commit, null));
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Whatever went wrong (remote, credentials, a damaged clone), the worker carries on and the next
            // check tries again. GitException messages carry no credentials; others are scrubbed of URL user-info.
            var error = OneLine(e is GitException ? e.Message : GitUrls.Scrub(e.Message));
            logger.LogWarning("Publishing sealing certificate {Key} to {Path} on {Branch} failed: {Error}", newest.ShortFingerprint, path, branch, error);
            Record(new CertificatePublishStatus(started, "failed", newest.ShortFingerprint, path, branch, null, error));
            return CertificatePublishResult.Failed;
        }
    }

    /// <summary>The configured branch; else the source ref when it names a branch; else main.</summary>
    public static string BranchFor(PublishCertificateConfiguration settings, string? sourceRef)
    {
        if (!string.IsNullOrWhiteSpace(settings.Branch))
        {
            return settings.Branch.Trim();
        }

        var reference = sourceRef?.Trim() ?? string.Empty;
        if (reference.StartsWith("refs/heads/", StringComparison.Ordinal))
        {
            return reference["refs/heads/".Length..];
        }

        var notABranch = reference.Length == 0
            || reference == "HEAD"
            || reference.StartsWith("refs/", StringComparison.Ordinal)
            || (reference.Length is >= 7 and <= 40 && reference.All(char.IsAsciiHexDigit));
        return notABranch ? "main" : reference;
    }

    private void Record(CertificatePublishStatus attempt)
    {
        metrics.RecordCertificatePublish(attempt.Result);
        status.RecordCertificatePublish(attempt);
    }

    /// <summary>Next to the sync engine's clone (<c>CACHE/repo</c>), in <c>CACHE/write-back</c>.</summary>
    private string WorkTreeDirectory(SourceConfiguration source) =>
        Path.Combine(string.IsNullOrWhiteSpace(source.CacheDir) ? cacheLocation.For(source.Url!) : source.CacheDir, "write-back");

    private static GitAuth Auth(SourceConfiguration source) =>
        new(source.Auth.TokenFile, source.Auth.Username, source.Auth.SshKeyFile, source.Auth.KnownHostsFile);

    /// <summary>Writes the PEM unless the file already holds it; returns the paths to commit (none when unchanged).</summary>
    private static IReadOnlyList<string> WriteCertificate(string workTree, string path, string pem)
    {
        var full = Path.Combine(workTree, path);
        if (File.Exists(full) && File.ReadAllText(full) == pem)
        {
            return [];
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, pem);
        return [path];
    }

    private static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
