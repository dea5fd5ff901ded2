using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.IO;

/// <summary>
/// Reads a whole file or stream, but never more than a limit: an endless stream (<c>/dev/zero</c>, a
/// FIFO, standard input) or an oversized file stops with a one-line error instead of filling memory.
/// </summary>
public static class BoundedInput
{
    public static byte[] ReadFile(string path, int maxBytes = ManifestLimits.DefaultMaxFileBytes, string? displayName = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

        // A regular file says its size up front; a device or a pipe says 0 and is read until the limit.
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw TooLarge(displayName ?? path, maxBytes);
        }

        return Read(stream, maxBytes, displayName ?? path);
    }

    public static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken, int maxBytes = ManifestLimits.DefaultMaxFileBytes)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw TooLarge(path, maxBytes);
        }

        return await ReadAsync(stream, maxBytes, path, cancellationToken);
    }

    public static byte[] Read(Stream stream, int maxBytes, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            Append(buffer, chunk, read, maxBytes, name);
        }

        return buffer.ToArray();
    }

    public static async Task<byte[]> ReadAsync(Stream stream, int maxBytes, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            Append(buffer, chunk, read, maxBytes, name);
        }

        return buffer.ToArray();
    }

    public static InputException TooLarge(string name, long maxBytes) =>
        new ManifestException($"{name}: larger than the limit of {ManifestLimits.FormatBytes(maxBytes)} (MaxFileBytes)");

    private static void Append(MemoryStream buffer, byte[] chunk, int read, int maxBytes, string name)
    {
        if (buffer.Length + read > maxBytes)
        {
            throw TooLarge(name, maxBytes);
        }

        buffer.Write(chunk, 0, read);
    }
}
