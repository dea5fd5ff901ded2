namespace GitOpsSecrets.Manifests;

/// <summary>
/// The bounds on every document we read (repository manifests, files and standard input of the CLI,
/// HTTP bodies, configuration and key files). One hostile commit must cost a bounded amount of memory,
/// stack and time and fail only its own file, never the process. Each bound is a named constant here,
/// with its reason; <see cref="Default"/> uses them all, and tests may pass smaller ones.
/// A violation is one <see cref="ManifestException"/> naming the file, the document and the limit.
/// </summary>
public sealed record ManifestLimits
{
    /// <summary>
    /// Bytes in one file or stream: 16 × the API server's 1 MiB Secret limit, so a file can hold
    /// more than ten of the largest Secrets once sealed (base64 adds a third) or thousands of usual ones,
    /// while a file parsed in memory (text, events, nodes) stays within a few hundred MB at worst.
    /// Also what stops reading an endless stream (<c>/dev/zero</c>, a FIFO, standard input).
    /// </summary>
    public const int DefaultMaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Documents in one file: a few thousand Secrets in one file is already unusual.</summary>
    public const int DefaultMaxDocuments = 10_000;

    /// <summary>
    /// Nesting of mappings and sequences, counted through aliases. A SealedSecret is 4 levels deep and
    /// the deepest CRD schemas reach a few dozen; YAML and JSON readers recurse per level, so a bound here
    /// is what keeps 100,000 nested <c>[</c> from overflowing the stack (go-yaml allows 10,000 but
    /// does not recurse on the stack of a 1 MB .NET thread pool thread).
    /// </summary>
    public const int DefaultMaxDepth = 100;

    /// <summary>Aliases (<c>*name</c>) in one document: kubeseal writes none; merge keys in hand-written files use a handful.</summary>
    public const int DefaultMaxAliases = 1_000;

    /// <summary>
    /// How much larger than its own text a document may grow through aliases: what aliases add (nodes
    /// plus characters of the scalars they copy) may be at most this many times the characters of the
    /// document read so far. Stops "billion laughs" and a large scalar referenced thousands of times,
    /// which go-yaml's node-count rule (also applied, see <see cref="GoYamlAliasRule"/>) lets through.
    /// </summary>
    public const int DefaultMaxAliasExpansion = 10;

    /// <summary>
    /// Characters in one scalar: a 1 MiB Secret value sealed is about 1.4 MiB of base64, so 2 MiB holds
    /// the largest legitimate value with room to spare.
    /// </summary>
    public const int DefaultMaxScalarChars = 2 * 1024 * 1024;

    /// <summary>Keys in one mapping (after merge keys): a Secret with thousands of keys is already unusual.</summary>
    public const int DefaultMaxKeysPerMap = 10_000;

    /// <summary>
    /// Nodes (scalars, mappings, sequences, aliases expanded) in one file: what bounds the memory of the
    /// parsed form (each node is some tens of bytes); 1,000,000 is far above thousands of Secrets.
    /// </summary>
    public const int DefaultMaxNodes = 1_000_000;

    public static ManifestLimits Default { get; } = new();

    public int MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    public int MaxDocuments { get; init; } = DefaultMaxDocuments;

    public int MaxDepth { get; init; } = DefaultMaxDepth;

    public int MaxAliases { get; init; } = DefaultMaxAliases;

    public int MaxAliasExpansion { get; init; } = DefaultMaxAliasExpansion;

    public int MaxScalarChars { get; init; } = DefaultMaxScalarChars;

    public int MaxKeysPerMap { get; init; } = DefaultMaxKeysPerMap;

    public int MaxNodes { get; init; } = DefaultMaxNodes;

    /// <summary>A size for messages: "16 MiB", "512 KiB", "100 bytes".</summary>
    public static string FormatBytes(long bytes) =>
        bytes % (1024 * 1024) == 0 && bytes > 0 ? $"{bytes / (1024 * 1024)} MiB"
        : bytes % 1024 == 0 && bytes > 0 ? $"{bytes / 1024} KiB"
        : $"{bytes} bytes";
}

/// <summary>
/// go-yaml v3's rule against excessive aliasing (decode.go, <c>allowedAliasRatio</c>), so we refuse
/// what kubectl's decoder refuses: once a document has more than 1,000 nodes and more than 100 of them
/// came from aliases, at most 99% may come from aliases up to 400,000 nodes, falling linearly to 10%
/// at 4,000,000 nodes.
/// </summary>
public static class GoYamlAliasRule
{
    private const int RangeLow = 400_000;
    private const int RangeHigh = 4_000_000;

    public static bool IsExcessive(long decodeCount, long aliasCount) =>
        aliasCount > 100 && decodeCount > 1000 && (double)aliasCount / decodeCount > AllowedRatio(decodeCount);

    private static double AllowedRatio(long decodeCount) => decodeCount switch
    {
        <= RangeLow => 0.99,
        >= RangeHigh => 0.10,
        _ => 0.99 - (0.89 * ((double)(decodeCount - RangeLow) / (RangeHigh - RangeLow))),
    };
}
