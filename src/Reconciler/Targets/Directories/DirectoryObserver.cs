using System.IO.Enumeration;
using System.Runtime.Versioning;
using System.Text;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// Reads what a directory target holds, hashing what is on disk now so edits by anyone else show as drift,
/// yet fast enough for a no-change sync: a value is re-hashed only when its file's stamp (device, inode,
/// change and modify times, size) differs from the last observation. Stamps younger than
/// <see cref="SettleTime"/> are not trusted (a file changed twice within one clock tick keeps its times, git's
/// "racily clean" problem), so a just-written file is simply hashed again next time. Holds hashes only.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class DirectoryObserver(string root, TimeProvider time)
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    private const string NotReadableHash = "not-a-readable-file";
    private static readonly byte[] NotReadableValue = Encoding.UTF8.GetBytes("\0gitops-secrets: not a readable file\0");
    private static readonly EnumerationOptions AllEntries = new() { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };

    private readonly Dictionary<string, Dictionary<string, CachedSecret>> _cache = new(StringComparer.Ordinal);

    public IReadOnlyList<ObservedSecret> Observe(IReadOnlyCollection<string>? namespaces, IReadOnlyCollection<SecretId> wanted)
    {
        if (!Directory.Exists(root))
        {
            return Path.Exists(root) ? throw new IOException($"{root} is not a directory") : [];
        }

        var settledBefore = (time.GetUtcNow() - SettleTime).ToUnixTimeMilliseconds() * 1_000_000L;
        var wantedSet = wanted as IReadOnlySet<SecretId> ?? wanted.ToHashSet();
        // Only valid namespace names become paths: a SealedSecret naming "../x" must not make us look outside the root.
        var all = (namespaces ?? Names(root)).Where(KubernetesNames.IsValidNamespace).Distinct(StringComparer.Ordinal).ToArray();
        var previous = all.Select(ns => _cache.GetValueOrDefault(ns)).ToArray();
        var found = new List<ObservedSecret>[all.Length];
        var next = new Dictionary<string, CachedSecret>[all.Length];

        // Namespaces are independent and the work is mostly stat calls, which scale with cores.
        Parallel.For(0, all.Length, i =>
        {
            (found[i], next[i]) = ObserveNamespace(all[i], wantedSet, previous[i], settledBefore);
        });

        for (var i = 0; i < all.Length; i++)
        {
            if (next[i].Count > 0)
            {
                _cache[all[i]] = next[i];
            }
            else
            {
                _cache.Remove(all[i]);
            }
        }

        return found.SelectMany(f => f).ToList();
    }

    private (List<ObservedSecret> Found, Dictionary<string, CachedSecret> Cache) ObserveNamespace(string ns, IReadOnlySet<SecretId> wanted, Dictionary<string, CachedSecret>? previous, long settledBefore)
    {
        var found = new List<ObservedSecret>();
        var next = new Dictionary<string, CachedSecret>(previous?.Count ?? 0, StringComparer.Ordinal);
        var namespaceDirectory = Path.Join(root, ns);
        if (NoFollow.KindOf(namespaceDirectory) != EntryKind.Directory)
        {
            // Missing, or a link planted in place of a namespace: never followed (a write there fails and says so).
            return (found, next);
        }

        foreach (var name in Names(namespaceDirectory))
        {
            var id = new SecretId(ns, name);
            var observed = NativeFiles.CanStat
                ? ObserveCached(id, Path.Join(namespaceDirectory, name), wanted.Contains(id), previous?.GetValueOrDefault(name), settledBefore, out var cached)
                : ObserveUncached(id, Path.Join(namespaceDirectory, name), wanted.Contains(id), out cached);
            if (cached is not null)
            {
                next[name] = cached;
            }

            if (observed is not null)
            {
                found.Add(observed);
            }
        }

        return (found, next);
    }

    /// <summary>The fast path: stamps first, content only for what changed.</summary>
    private static ObservedSecret? ObserveCached(SecretId id, string secretDirectory, bool wanted, CachedSecret? cached, long settledBefore, out CachedSecret? next)
    {
        next = null;
        if (NativeFiles.TryStat(secretDirectory, followLinks: false) is not { } directoryStamp)
        {
            return null;
        }

        // Resolved by hand, never through a link: ..data must name a real generation directory beside it.
        var generation = directoryStamp.IsDirectory ? DirectoryLayout.CurrentGeneration(secretDirectory) : null;
        if (generation is null
            || NativeFiles.TryStat(DirectoryLayout.SidecarPath(secretDirectory, generation), followLinks: false) is not { IsRegularFile: true } sidecarStamp)
        {
            // Not ours, or ours but left broken by an interrupted sync (then reported as ours, to be repaired).
            return ObserveUncached(id, secretDirectory, wanted, out _);
        }

        var sidecarPath = DirectoryLayout.SidecarPath(secretDirectory, generation);

        if (cached is { Clean: { } clean } && cached.DirectoryStamp == directoryStamp && cached.SidecarStamp == sidecarStamp && KeysUnchanged(cached))
        {
            // The common case of a no-change sync: same entries, same sidecar, every value file the same
            // version as last time, when it all matched our record. Nothing to read, nothing to allocate.
            next = cached;
            return clean;
        }

        var entries = cached is not null && cached.DirectoryStamp == directoryStamp ? cached.Entries : KeyEntries(secretDirectory);
        SidecarRead sidecar;
        if (cached is not null && cached.SidecarStamp == sidecarStamp)
        {
            sidecar = cached.Sidecar;
        }
        else if (TryRead(sidecarPath) is { } json)
        {
            sidecar = SidecarRecord.Parse(json);
        }
        else
        {
            return ObserveUncached(id, secretDirectory, wanted, out _);
        }

        if (!sidecar.Names(id))
        {
            return wanted ? Foreign(id, secretDirectory) : null;
        }

        var keyStamps = new Dictionary<string, StampedHash>(entries.Length, StringComparer.Ordinal);
        var actual = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (var key in entries)
        {
            if (!IsOurKeyLink(secretDirectory, key))
            {
                // Not the link we make (a file put there, a directory, a link elsewhere): drift, read as a
                // reader would only when it is a plain file, never followed.
                if (ValueOnDisk(secretDirectory, generation, key) is { } value)
                {
                    actual[key] = ReferenceEquals(value, NotReadableValue) ? NotReadableHash : SecretHashes.KeyHash(value);
                }

                continue;
            }

            var path = Path.Join(secretDirectory, generation, key);
            if (NativeFiles.TryStat(path, followLinks: false) is not { } stamp)
            {
                continue; // A dangling link: the key is gone for readers.
            }

            string? hash;
            if (!stamp.IsRegularFile)
            {
                hash = NotReadableHash;
            }
            else if (cached is not null && cached.Keys.TryGetValue(key, out var known) && known.Stamp == stamp)
            {
                hash = known.Hash;
            }
            else
            {
                hash = HashFile(path);
            }

            if (hash is null)
            {
                continue;
            }

            actual[key] = hash;
            if (stamp.LatestNs < settledBefore && hash != NotReadableHash)
            {
                keyStamps[key] = new StampedHash(path, stamp, hash);
            }
        }

        var observed = Managed(id, secretDirectory, sidecar, actual);
        var settled = directoryStamp.LatestNs < settledBefore && sidecarStamp.LatestNs < settledBefore;
        var fullyKnown = settled && keyStamps.Count == entries.Length && observed.Stamp is { } recorded && observed.ActualDataHash == recorded.DataHash;
        next = new CachedSecret(
            settled ? directoryStamp : null,
            entries,
            settled ? sidecarStamp : null,
            sidecar,
            keyStamps,
            fullyKnown ? observed : null);
        return observed;
    }

    private static bool KeysUnchanged(CachedSecret cached)
    {
        foreach (var known in cached.Keys.Values)
        {
            if (NativeFiles.TryStat(known.Path, followLinks: false) != known.Stamp)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads everything afresh: when statx is missing, and for directories that are not ours.</summary>
    private static ObservedSecret? ObserveUncached(SecretId id, string secretDirectory, bool wanted, out CachedSecret? next)
    {
        next = null;
        var (state, sidecar) = Ownership.Inspect(secretDirectory, id);
        return state switch
        {
            OwnerState.Ours => Managed(id, secretDirectory, sidecar!, ReadKeyHashes(secretDirectory)),
            OwnerState.Foreign when wanted => Foreign(id, secretDirectory),
            _ => null,
        };
    }

    private static ObservedSecret Managed(SecretId id, string secretDirectory, SidecarRead sidecar, Dictionary<string, string> actual)
    {
        var record = sidecar.Record;
        var unchanged = record is not null && actual.Count == record.KeyHashes!.Count
            && actual.All(p => record.KeyHashes.TryGetValue(p.Key, out var recorded) && recorded == p.Value);
        return new ObservedSecret
        {
            Id = id,
            Managed = true,
            Stamp = record?.AppliedStamp,

            // Every value hashes as recorded, so the data is what we wrote and hashes as we recorded it;
            // otherwise the data hash is computed from the files as they are.
            ActualDataHash = unchanged ? record!.AppliedStamp!.DataHash : DataHashOnDisk(secretDirectory, actual.Keys),
            KeyHashes = unchanged ? record!.KeyHashes! : actual,
            Type = sidecar.Type,
            Immutable = record?.Immutable ?? false,
            Labels = record?.Labels ?? [],
            Annotations = record?.Annotations ?? [],
        };
    }

    /// <summary>A Secret's path we did not write: reported (never touched) so the sync can say so.</summary>
    private static ObservedSecret Foreign(SecretId id, string secretDirectory)
    {
        var isDirectory = NoFollow.KindOf(secretDirectory) == EntryKind.Directory;
        var keys = isDirectory ? ReadKeyHashes(secretDirectory) : [];
        return new ObservedSecret
        {
            Id = id,
            Managed = false,
            ActualDataHash = isDirectory ? DataHashOnDisk(secretDirectory, keys.Keys) : SecretHashes.DataHash([]),
            KeyHashes = keys,
            Takeover = Takeover.None,
        };
    }

    private static Dictionary<string, string> ReadKeyHashes(string secretDirectory)
    {
        var generation = DirectoryLayout.CurrentGeneration(secretDirectory);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in KeyEntries(secretDirectory))
        {
            if (ValueOnDisk(secretDirectory, generation, key) is { } value)
            {
                hashes[key] = ReferenceEquals(value, NotReadableValue) ? NotReadableHash : SecretHashes.KeyHash(value);
            }
        }

        return hashes;
    }

    private static string DataHashOnDisk(string secretDirectory, IEnumerable<string> keys)
    {
        var generation = DirectoryLayout.CurrentGeneration(secretDirectory);
        return SecretHashes.DataHash(keys.Select(key =>
            new KeyValuePair<string, byte[]>(key, ValueOnDisk(secretDirectory, generation, key) ?? NotReadableValue)).ToList());
    }

    /// <summary>
    /// A key's value as a reader would see it, found without following any link we did not make: our key link
    /// (<c>KEY → ..data/KEY</c>) is resolved by hand into the current generation, a plain file (someone else's
    /// directory) is read as it is, anything else is not readable. Null when the key is gone (a dangling link).
    /// </summary>
    private static byte[]? ValueOnDisk(string secretDirectory, string? generation, string key)
    {
        var path = Path.Join(secretDirectory, key);
        switch (NoFollow.KindOf(path))
        {
            case EntryKind.File:
                return TryRead(path) ?? NotReadableValue;
            case EntryKind.SymbolicLink when IsOurKeyLink(secretDirectory, key):
                if (generation is null)
                {
                    return null;
                }

                var value = Path.Join(secretDirectory, generation, key);
                return NoFollow.KindOf(value) switch
                {
                    EntryKind.Missing => null,
                    EntryKind.File => TryRead(value) ?? NotReadableValue,
                    _ => NotReadableValue,
                };
            case EntryKind.Missing:
                return null;
            default:
                return NotReadableValue;
        }
    }

    private static bool IsOurKeyLink(string secretDirectory, string key) =>
        NoFollow.LinkText(Path.Join(secretDirectory, key)) == DirectoryLayout.KeyLinkTarget(key);

    private static string? HashFile(string path) => TryRead(path) is { } content ? SecretHashes.KeyHash(content) : null;

    private static byte[]? TryRead(string path)
    {
        try
        {
            return NoFollow.ReadIfPresent(path);
        }
        catch (UnauthorizedAccessException)
        {
            return NotReadableValue;
        }
    }

    /// <summary>Entries a reader sees as keys: everything but our own "..", including keys starting with one dot.</summary>
    private static string[] KeyEntries(string secretDirectory) =>
        new FileSystemEnumerable<string>(secretDirectory, (ref entry) => entry.FileName.ToString(), AllEntries)
        {
            ShouldIncludePredicate = (ref entry) => !entry.FileName.StartsWith("..", StringComparison.Ordinal),
        }.ToArray();

    /// <summary>Secret or namespace names in a directory: entries not starting with a dot (our staging names do).</summary>
    private static IEnumerable<string> Names(string directory) =>
        new FileSystemEnumerable<string>(directory, (ref entry) => entry.FileName.ToString(), AllEntries)
        {
            ShouldIncludePredicate = (ref entry) => !entry.FileName.StartsWith(".", StringComparison.Ordinal),
        };

    private readonly record struct StampedHash(string Path, FileStamp Stamp, string Hash);

    /// <summary>
    /// What one observation learnt about one Secret directory; a null stamp is never matched again.
    /// <paramref name="Clean"/>: the result, when everything was settled and matched our record.
    /// </summary>
    private sealed record CachedSecret(FileStamp? DirectoryStamp, string[] Entries, FileStamp? SidecarStamp, SidecarRead Sidecar, Dictionary<string, StampedHash> Keys, ObservedSecret? Clean);
}
