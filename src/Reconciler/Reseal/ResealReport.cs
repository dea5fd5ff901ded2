namespace GitOpsSecrets.Reseal;

/// <summary>What happened to one SealedSecret in a reseal run.</summary>
public enum ResealState
{
    /// <summary>Already sealed to the newest key, annotation included: nothing to do.</summary>
    Current,

    /// <summary>Re-encrypted and written.</summary>
    Resealed,

    /// <summary>Needs re-encryption (or its annotation) but was not written: <c>--check</c>, or another document of its file failed.</summary>
    Pending,

    /// <summary>Could not be read, opened or rewritten; its file was left unchanged.</summary>
    Failed,
}

/// <summary>One SealedSecret document: where it is, what it is, what happened. Never holds a value.</summary>
public sealed record DocumentOutcome(string File, int Document, int Line, string Name, int Values, ResealState State, int RewrittenValues, IReadOnlyList<string> PreviousKeys, string? Error)
{
    /// <summary>Zero-based index in the document's <c>items</c> when the SealedSecret is an item of a List.</summary>
    public int? Item { get; init; }

    public string Where => Item is { } item ? $"{File} (document {Document + 1}, items[{item}])" : $"{File} (document {Document + 1})";
}

public sealed record FileOutcome(string File, IReadOnlyList<DocumentOutcome> Documents, bool Written, string? Error);

/// <summary>The whole run: per-file outcomes in path order, and the counts a summary prints.</summary>
public sealed record ResealReport(IReadOnlyList<FileOutcome> Files, string NewestFingerprint, bool Check)
{
    public IEnumerable<DocumentOutcome> Documents => Files.SelectMany(f => f.Documents);

    public int FilesScanned => Files.Count;

    public int FilesWithSealedSecrets => Files.Count(f => f.Documents.Count > 0);

    public int SealedSecrets => Documents.Count();

    public int Values => Documents.Sum(d => d.Values);

    public int FilesRewritten => Files.Count(f => f.Written);

    public int Resealed => Documents.Count(d => d.State == ResealState.Resealed);

    public int RewrittenValues => Documents.Where(d => d.State == ResealState.Resealed).Sum(d => d.RewrittenValues);

    public int Pending => Documents.Count(d => d.State == ResealState.Pending);

    public int Current => Documents.Count(d => d.State == ResealState.Current);

    /// <summary>Failed documents, plus files that failed as a whole (unreadable, unparsable).</summary>
    public int Failed => Documents.Count(d => d.State == ResealState.Failed) + Files.Count(f => f.Error is not null && f.Documents.All(d => d.State != ResealState.Failed));
}
