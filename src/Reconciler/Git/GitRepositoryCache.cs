using GitOpsSecrets.IO;
using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// A local copy of one remote ref, kept in a cache directory: cloned once, fetched thereafter, and
/// checked out so that the working tree holds exactly the fetched revision.
/// Layout: <c>CACHE/repo</c> (the working tree), <c>CACHE/lock</c>, <c>CACHE/ssh-command</c>.
/// A failed fetch changes nothing on disk, so the last good checkout stays usable while the remote is down.
/// </summary>
public sealed class GitRepositoryCache
{
    private const string RemoteName = OwnRepository.RemoteName;

    /// <summary>Where the remote's HEAD (its default branch) lands: a plain ref, so no symbolic-ref handling is needed.</summary>
    private const string RemoteHeadRef = "refs/gitops-secrets/remote-head";

    private static readonly string[] FetchRefSpecs =
    [
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
        "+HEAD:" + RemoteHeadRef,
    ];

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Where the last commit that passed <c>source.verify</c> is remembered, per policy (see <see cref="CommitSignaturePolicy.Fingerprint"/>).</summary>
    private const string VerifiedRefPrefix = "refs/gitops-secrets/verified/";

    private readonly string _url;
    private readonly GitAuth _auth;
    private readonly CommitVerifier? _verifier;

    public GitRepositoryCache(string url, string reference, string cacheDirectory, GitAuth? auth = null, CommitVerifier? verifier = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDirectory);
        _url = url;
        Reference = string.IsNullOrWhiteSpace(reference) ? "HEAD" : reference.Trim();
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        _auth = auth ?? GitAuth.None;
        _verifier = verifier;
    }

    public string Reference { get; }

    public string CacheDirectory { get; }

    public string WorkTree => Path.Combine(CacheDirectory, "repo");

    /// <summary>The remote URL with credentials removed.</summary>
    public string Description => GitUrls.Scrub(_url);

    /// <summary>
    /// The cache's lock file. Whoever reads the working tree holds it from the fetch until the last file is
    /// read (the sync engine holds it for the whole sync), so another process cannot check out another
    /// revision underneath and mix two revisions' files into one sync.
    /// </summary>
    public LockFile Lock => new(Path.Combine(CacheDirectory, "lock"), $"cache {CacheDirectory}");

    /// <summary>Fetches the remote and checks out <see cref="Reference"/>. Throws <see cref="GitException"/> and leaves the cache as it was when the remote cannot be read.</summary>
    public async Task<GitCheckout> FetchAsync(CancellationToken cancellationToken)
    {
        using var cacheLock = await ProcessLock.AcquireAsync(Lock, LockTimeout, cancellationToken);
        return await FetchHoldingLockAsync(cancellationToken);
    }

    /// <summary>As <see cref="FetchAsync"/>, for a caller that already holds <see cref="Lock"/> (flock is per open file: taking it twice would wait on ourselves).</summary>
    public Task<GitCheckout> FetchHoldingLockAsync(CancellationToken cancellationToken) =>
        Task.Run(() => FetchOrRecloneAndCheckout(cancellationToken), cancellationToken);

    /// <summary>
    /// A cache that fails for a reason of its own (garbage HEAD, missing objects, a truncated pack: libgit2
    /// errors outside the transport, or a fetch that names local objects) is deleted and cloned again once,
    /// with a warning. A remote that cannot be reached is not such a reason: the cache is kept for next time.
    /// </summary>
    private GitCheckout FetchOrRecloneAndCheckout(CancellationToken cancellationToken)
    {
        // Not a repository at all (garbage HEAD, a half-made first clone): OwnRepository starts it afresh.
        var invalid = Directory.Exists(WorkTree) && !Repository.IsValid(WorkTree);
        try
        {
            var checkout = FetchAndCheckout(cancellationToken);
            return invalid ? checkout with { Warning = $"the cache {CacheDirectory} was corrupt (not a valid git repository); cloned it again" } : checkout;
        }
        catch (Exception e) when (IsLocalCorruption(e) && Directory.Exists(WorkTree))
        {
            var reason = e.Message.Split('\n')[0].Trim();
            Directory.Delete(WorkTree, recursive: true);
            var checkout = FetchAndCheckout(cancellationToken);
            return checkout with { Warning = $"the cache {CacheDirectory} was corrupt ({reason}); cloned it again" };
        }
    }

    private static bool IsLocalCorruption(Exception e) => e switch
    {
        OperationCanceledException => false,
        GitException { InnerException: LibGit2SharpException inner } => LooksLocal(inner.Message),
        GitException => false,
        LibGit2SharpException => true,
        _ => false,
    };

    /// <summary>libgit2 messages about the local object database, as opposed to the network or the remote's refs.</summary>
    private static bool LooksLocal(string message) =>
        new[] { "object not found", "corrupt", "packfile", "failed to parse", "missing", "bad object", "unable to read", "invalid object", "reference is not", "invalid data" }
            .Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Repository-relative paths changed between two commits (both sides of a rename), or null when that
    /// cannot be known: a commit is missing, or neither commit descends from the other (history rewritten).
    /// </summary>
    public IReadOnlyList<string>? ChangedPaths(string fromCommit, string toCommit)
    {
        if (string.Equals(fromCommit, toCommit, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        if (!Repository.IsValid(WorkTree) || !ObjectId.TryParse(fromCommit, out var fromId) || !ObjectId.TryParse(toCommit, out var toId))
        {
            return null;
        }

        using var repository = new Repository(WorkTree);
        if (repository.Lookup<Commit>(fromId) is not { } from || repository.Lookup<Commit>(toId) is not { } to)
        {
            return null;
        }

        var mergeBase = repository.ObjectDatabase.FindMergeBase(from, to);
        if (mergeBase is null || (mergeBase.Id != from.Id && mergeBase.Id != to.Id))
        {
            return null;
        }

        using var changes = repository.Diff.Compare<TreeChanges>(from.Tree, to.Tree);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            paths.Add(change.Path);
            if (!string.IsNullOrEmpty(change.OldPath))
            {
                paths.Add(change.OldPath);
            }
        }

        return paths.Select(p => p.Replace('\\', '/')).ToList();
    }

    private GitCheckout FetchAndCheckout(CancellationToken cancellationToken)
    {
        var transport = GitTransport.Create(_url, _auth, CacheDirectory);
        using var repository = OwnRepository.OpenOrCreate(WorkTree, transport);
        transport.Run(
            "fetch",
            () =>
            {
                Commands.Fetch(repository, RemoteName, FetchRefSpecs, transport.FetchOptions(cancellationToken), "gitops-secrets fetch");
                return true;
            },
            cancellationToken);

        var commit = Resolve(repository, transport);
        cancellationToken.ThrowIfCancellationRequested();
        VerifyNewCommits(repository, commit, cancellationToken);
        Commands.Checkout(repository, commit, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        RemoveStrayFiles(repository);
        return new GitCheckout($"{Reference}@sha1:{commit.Sha}", commit.Sha, WorkTree);
    }

    /// <summary>
    /// Signed commits only: runs before the checkout, so a refused revision never reaches the working tree
    /// and the last good one stays checked out (the sync reports the refusal and changes nothing).
    /// </summary>
    private void VerifyNewCommits(Repository repository, Commit commit, CancellationToken cancellationToken)
    {
        if (_verifier is null)
        {
            return;
        }

        var verifiedRef = VerifiedRefPrefix + _verifier.Policy.Fingerprint();
        var last = repository.Refs[verifiedRef]?.ResolveToDirectReference()?.TargetIdentifier;
        if (string.Equals(last, commit.Sha, StringComparison.Ordinal))
        {
            return;
        }

        _verifier.Verify(WorkTree, commit.Sha, last, cancellationToken);
        repository.Refs.Add(verifiedRef, commit.Id, "gitops-secrets verified", allowOverwrite: true);
    }

    private Commit Resolve(Repository repository, GitTransport transport)
    {
        var name = Reference;
        var candidates = name switch
        {
            "HEAD" => [RemoteHeadRef],
            _ when name.StartsWith("refs/heads/", StringComparison.Ordinal) => ["refs/remotes/origin/" + name["refs/heads/".Length..]],
            _ when name.StartsWith("refs/", StringComparison.Ordinal) => [name],
            _ => new[] { "refs/remotes/origin/" + name, "refs/tags/" + name },
        };

        foreach (var candidate in candidates)
        {
            if (repository.Refs[candidate]?.ResolveToDirectReference()?.Target is { } target)
            {
                return GitObjects.PeelToCommit(target)
                    ?? throw new GitException($"ref {name} in {transport.Description} does not point to a commit");
            }
        }

        if (IsAbbreviatedSha(name))
        {
            try
            {
                if (repository.Lookup<Commit>(name) is { } commit)
                {
                    return commit;
                }
            }
            catch (AmbiguousSpecificationException)
            {
                throw new GitException($"ref {name} in {transport.Description} is an ambiguous abbreviated commit id; give more digits");
            }
        }

        throw new GitException(name == "HEAD"
            ? $"unknown ref HEAD in {transport.Description}: the remote has no default branch (is it empty?)"
            : $"unknown ref {name} in {transport.Description}: no branch, tag or fetched commit has that name");
    }

    private static bool IsAbbreviatedSha(string name) =>
        name.Length is >= 4 and <= 40 && name.All(c => char.IsAsciiHexDigit(c));

    /// <summary>Untracked and ignored files would be read as if they were part of the revision: remove them.</summary>
    private static void RemoveStrayFiles(Repository repository)
    {
        var status = repository.RetrieveStatus(new StatusOptions
        {
            IncludeUntracked = true,
            IncludeIgnored = true,
            RecurseUntrackedDirs = true,
            RecurseIgnoredDirs = true,
            DisablePathSpecMatch = true,
        });
        var root = repository.Info.WorkingDirectory;
        foreach (var entry in status.Where(e => e.State.HasFlag(FileStatus.NewInWorkdir) || e.State.HasFlag(FileStatus.Ignored)))
        {
            var path = Path.Combine(root, entry.FilePath);
            if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
            {
                File.Delete(path);
            }
            else if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
