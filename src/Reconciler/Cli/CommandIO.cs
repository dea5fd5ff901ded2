using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Cli;

/// <summary>Reading command inputs (a file or standard input) and writing outputs (a file, atomically, or standard output).</summary>
public sealed class CommandIO(CliHost host)
{
    public const string StandardStream = "-";

    /// <summary>kubeseal's README pipes a raw value in with <c>--from-file=/dev/stdin</c>; it means the command's standard input.</summary>
    public const string DevStdin = "/dev/stdin";

    /// <summary>The bytes of a file, or of standard input when the path is empty, "-" or /dev/stdin.</summary>
    public async Task<(byte[] Content, string Name)> ReadAsync(string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(path) || path is StandardStream or DevStdin)
        {
            // Bounded: a stream that never ends (a FIFO, /dev/zero piped in) stops with an error at the limit.
            await using var stdin = host.OpenStandardInput();
            return (await BoundedInput.ReadAsync(stdin, ManifestLimits.DefaultMaxFileBytes, "(stdin)", cancellationToken), "(stdin)");
        }

        if (!File.Exists(path))
        {
            throw new InputException($"{path}: no such file");
        }

        return (await BoundedInput.ReadFileAsync(path, cancellationToken), path);
    }

    /// <summary>
    /// Writes to standard output, or atomically to a file (the old file stays intact if anything fails).
    /// </summary>
    public async Task WriteAsync(string? path, string content, UnixFileMode mode = AtomicFile.Default)
    {
        if (string.IsNullOrEmpty(path) || path == StandardStream)
        {
            await host.Out.WriteAsync(content);
            await host.Out.FlushAsync();
            return;
        }

        AtomicFile.WriteText(path, content, mode);
    }
}
