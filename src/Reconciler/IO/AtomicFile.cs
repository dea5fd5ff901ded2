namespace GitOpsSecrets.IO;

/// <summary>
/// Writes a file so that readers see the old content or the new, never a mix: write a temporary file
/// beside it, flush it to disk, then rename over the target. On failure the old file stays intact.
/// </summary>
public static class AtomicFile
{
    /// <summary>Owner read/write only: the mode for anything that may hold key material or plaintext.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode Default = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Default)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // Created with the final mode, so the content is never readable with looser permissions.
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static void WriteText(string path, string content, UnixFileMode mode = Default) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), mode);
}
