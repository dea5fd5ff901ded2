namespace GitOpsSecrets.Manifests;

/// <summary>Where a document (or a node inside it) came from, for messages that point a user at the fix.</summary>
/// <param name="File">Path as the user gave it, or "-" for standard input.</param>
/// <param name="Document">Zero-based index of the document within the file.</param>
/// <param name="Line">One-based line, or 0 when unknown.</param>
public sealed record SourceLocation(string File, int Document, int Line)
{
    /// <summary>Zero-based index in the document's <c>items</c> when the document is a List; null otherwise.</summary>
    public int? Item { get; init; }

    public SourceLocation AtLine(int line) => this with { Line = line };

    /// <summary>file:line (document N), the shape compilers use, so editors can jump to it; "(document N, items[I])" for an item of a List.</summary>
    public override string ToString()
    {
        var where = Item is { } item ? $"document {Document + 1}, items[{item}]" : $"document {Document + 1}";
        return Line > 0 ? $"{File}:{Line} ({where})" : $"{File} ({where})";
    }
}
