using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>What one manifest file holds: its SealedSecrets and what could not be read.</summary>
public sealed record IndexedFile(IReadOnlyList<DesiredSecret> Secrets, IReadOnlyList<DiscoveryError> Errors)
{
    /// <summary>The file's SharedSecrets and Teams (see docs/shared-secrets.md); their read errors are in <see cref="Errors"/>.</summary>
    public SharingFile Sharing { get; init; } = new([], [], []);
}

/// <summary>
/// Every SealedSecret document under the configured paths, kept between syncs: a new revision re-reads
/// only the files git says changed, and the same revision reads nothing at all. Every other kind of
/// document is ignored; a file that cannot be parsed is remembered as an error, which suspends
/// pruning for the targets that read it.
/// </summary>
public sealed class SealedSecretIndex
{
    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];
    private readonly Dictionary<string, IndexedFile> _files = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _paths;

    /// <param name="paths">Repository paths to read (files or folders); empty for the whole repository.</param>
    public SealedSecretIndex(IReadOnlyList<string> paths)
    {
        _paths = paths.Select(RepositoryPaths.Normalize).ToList();
    }

    /// <summary>The commit the index reflects; null before the first update.</summary>
    public string? Commit { get; private set; }

    /// <summary>Files read by the last update (for reports and tests of incrementality).</summary>
    public int FilesReadLastUpdate { get; private set; }

    public int FileCount => _files.Count;

    public void Update(SourceSnapshot snapshot, IReadOnlyList<string>? changedPaths)
    {
        FilesReadLastUpdate = 0;
        if (Commit == snapshot.Commit && _files.Count > 0)
        {
            return;
        }

        if (Commit is null || changedPaths is null)
        {
            // A full read parses every file: on all cores, since files are independent.
            _files.Clear();
            var read = EnumerateManifests(snapshot.Root).AsParallel().AsOrdered().Select(path => (Path: path, File: Read(snapshot.Root, path))).ToList();
            foreach (var (path, file) in read)
            {
                _files[path] = file;
            }

            FilesReadLastUpdate = read.Count;
        }
        else
        {
            foreach (var path in changedPaths.Select(RepositoryPaths.Normalize).Where(IsManifestUnderPaths))
            {
                _files.Remove(path);
                if (File.Exists(Path.Combine(snapshot.Root, path)))
                {
                    _files[path] = Read(snapshot.Root, path);
                    FilesReadLastUpdate++;
                }
            }
        }

        Commit = snapshot.Commit;
    }

    /// <summary>Files under any of the given repository paths (empty: all), in ordinal path order.</summary>
    public IEnumerable<KeyValuePair<string, IndexedFile>> FilesUnder(IReadOnlyList<string> paths)
    {
        var normalized = paths.Select(RepositoryPaths.Normalize).ToList();
        return _files.Where(f => RepositoryPaths.IsUnderAny(f.Key, normalized)).OrderBy(f => f.Key, StringComparer.Ordinal);
    }

    private bool IsManifestUnderPaths(string path) =>
        ManifestExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase) && RepositoryPaths.IsUnderAny(path, _paths);

    private IEnumerable<string> EnumerateManifests(string root)
    {
        var roots = _paths.Count == 0 ? [string.Empty] : _paths;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in roots)
        {
            var full = Path.Combine(root, start);
            if (File.Exists(full))
            {
                if (seen.Add(start))
                {
                    yield return start;
                }

                continue;
            }

            if (!Directory.Exists(full))
            {
                continue;
            }

            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var file in Directory.EnumerateFiles(full, "*", options))
            {
                var relative = RepositoryPaths.Normalize(Path.GetRelativePath(root, file));
                if (!relative.StartsWith(".git/", StringComparison.Ordinal) && IsManifestUnderPaths(relative) && seen.Add(relative))
                {
                    yield return relative;
                }
            }
        }
    }

    private static IndexedFile Read(string root, string path)
    {
        var secrets = new List<DesiredSecret>();
        var errors = new List<DiscoveryError>();
        IReadOnlyList<ManifestDocument> documents;
        try
        {
            documents = ManifestReader.ReadFile(Path.Combine(root, path), path);
        }
        catch (ManifestException e)
        {
            errors.Add(new DiscoveryError(path, e.Location ?? new SourceLocation(path, 0, 0), e.Message));
            return new IndexedFile(secrets, errors);
        }
        catch (IOException e)
        {
            errors.Add(new DiscoveryError(path, new SourceLocation(path, 0, 0), $"{path}: {e.Message}"));
            return new IndexedFile(secrets, errors);
        }
        catch (UnauthorizedAccessException)
        {
            errors.Add(new DiscoveryError(path, new SourceLocation(path, 0, 0), $"{path}: permission denied"));
            return new IndexedFile(secrets, errors);
        }

        var sealedSecrets = new List<ManifestDocument>();
        foreach (var document in documents)
        {
            try
            {
                sealedSecrets.AddRange(SealedSecretManifest.SealedSecretsIn(document));
            }
            catch (ManifestException e)
            {
                // A List we cannot read may hold any Secret: nothing it names is known, so prune waits.
                errors.Add(new DiscoveryError(path, e.Location ?? document.Location, e.Message));
            }
        }

        foreach (var document in sealedSecrets)
        {
            try
            {
                var sealedSecret = SealedSecretManifest.Read(document);
                var problems = SealedValueLayout.Check(sealedSecret, expectedRsaBytes: null);
                if (string.IsNullOrEmpty(sealedSecret.Metadata.Namespace))
                {
                    problems = [.. problems, "metadata.namespace is required"];
                }

                if (problems.Count > 0)
                {
                    errors.Add(new DiscoveryError(path, document.Location, $"{document.Location}: SealedSecret {sealedSecret.Metadata.QualifiedName}: {string.Join("; ", problems.Distinct())}", IdOf(document)));
                    continue;
                }

                secrets.Add(new DesiredSecret(sealedSecret, SealedHash.Compute(sealedSecret), path, document.Location));
            }
            catch (ManifestException e)
            {
                errors.Add(new DiscoveryError(path, e.Location ?? document.Location, e.Message, IdOf(document)));
            }
        }

        var sharing = SharingReader.Read(documents);
        errors.AddRange(sharing.Errors.Select(e => new DiscoveryError(path, e.Location ?? new SourceLocation(path, 0, 0), e.Message, documents.FirstOrDefault(d => d.Location.Document == e.Location?.Document) is { } failed ? IdOf(failed) : null)));
        return new IndexedFile(secrets, errors) { Sharing = sharing };
    }

    /// <summary>The identity of a document that failed validation, when it can be read, so its Secret stays untouched.</summary>
    private static SecretId? IdOf(ManifestDocument document) =>
        (document.Root as JsonObject)?["metadata"] is JsonObject metadata
        && metadata["name"] is JsonValue name && name.TryGetValue<string>(out var n)
        && metadata["namespace"] is JsonValue ns && ns.TryGetValue<string>(out var s)
            ? new SecretId(s, n)
            : null;
}

/// <summary>Repository-relative paths with forward slashes, and "is this file under that path".</summary>
public static class RepositoryPaths
{
    public static string Normalize(string path)
    {
        var normalized = path.Replace('\\', '/').Trim('/');
        while (normalized.StartsWith("./", StringComparison.Ordinal))
        {
            normalized = normalized[2..];
        }

        return normalized == "." ? string.Empty : normalized;
    }

    public static bool IsUnderAny(string path, IReadOnlyList<string> prefixes) =>
        prefixes.Count == 0 || prefixes.Any(p => p.Length == 0 || path == p || path.StartsWith(p + "/", StringComparison.Ordinal));
}
