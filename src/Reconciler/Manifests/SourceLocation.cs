namespace GitOpsSecrets.Manifests;

/// <summary>Where a document (or a node inside it) came from, for messages that point a user at the fix.</summary>
/// <param name="File">Path as the user gave it, or "-" for standard input.</param>
/// <param name="Document">Zero-based index of the document within the file.</param>
/// <param name="Line">One-based line, or 0 when unknown.</param>
public sealed record SourceLocation(string File, int Document, int Line)
{
    public SourceLocation AtLine(int line) => this with { Line = line };

    /// <summary>file:line (document N), the shape compilers use, so editors can jump to it.</summary>
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line} (document {Document + 1})" : $"{File} (document {Document + 1})";
}
