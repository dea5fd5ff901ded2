using System.Text;

namespace GitOpsSecrets.Manifests;

/// <summary>
/// Manifests must be UTF-8, as kubectl's YAML reader requires ("invalid leading UTF-8 octet"): bytes
/// that are not would otherwise be replaced silently with U+FFFD, and a cluster would refuse what the
/// directory target had accepted.
/// </summary>
internal static class StrictUtf8
{
    /// <summary>Throws naming the line and document of the first byte that is not UTF-8.</summary>
    public static void Check(ReadOnlySpan<byte> content, string sourceName, IReadOnlyList<ManifestDocument> documents)
    {
        var offset = FirstInvalid(content);
        if (offset < 0)
        {
            return;
        }

        var line = LineAt(content, offset);
        var document = 0;
        for (var i = 0; i < documents.Count; i++)
        {
            if (documents[i].Location.Line > 0 && documents[i].Location.Line <= line)
            {
                document = i;
            }
        }

        throw Error(sourceName, document, line, offset);
    }

    /// <summary>Throws when the content is not UTF-8, naming the document that was being read.</summary>
    public static void Check(ReadOnlySpan<byte> content, string sourceName, int document)
    {
        var offset = FirstInvalid(content);
        if (offset >= 0)
        {
            throw Error(sourceName, document, LineAt(content, offset), offset);
        }
    }

    private static ManifestException Error(string sourceName, int document, int line, int offset) =>
        new(new SourceLocation(sourceName, document, line), $"invalid UTF-8 (byte {offset} of the file); manifests must be UTF-8");

    private static int FirstInvalid(ReadOnlySpan<byte> content)
    {
        if (System.Text.Unicode.Utf8.IsValid(content))
        {
            return -1;
        }

        var offset = 0;
        while (offset < content.Length)
        {
            if (Rune.DecodeFromUtf8(content[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return -1;
    }

    private static int LineAt(ReadOnlySpan<byte> content, int offset) => content[..offset].Count((byte)'\n') + 1;
}
