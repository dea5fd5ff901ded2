namespace GitOpsSecrets.IO;

/// <summary>
/// An exclusive lock shared by processes: a lock file opened with FileShare.None, which .NET on Unix backs
/// with flock(2). flock belongs to the open file, so the kernel releases it when the holder dies (kill -9
/// included) and two holders in one process exclude each other just as two processes do.
/// Waiting for another process is real time, so it runs on the system clock even when the rest of the
/// program runs on a test clock (a fake clock that is never advanced would wait forever).
/// </summary>
public sealed class ProcessLock : IDisposable
{
    private const UnixFileMode SharedDirectoryMode = (UnixFileMode)0b111_101_101;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly FileStream _file;

    private ProcessLock(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Takes the lock at <paramref name="file"/>, waiting up to <paramref name="timeout"/> (zero: one try) for
    /// its holder; <see cref="LockHeldException"/> when it is still held then. The directory is made when
    /// missing (0755: it reveals nothing, and readers of other users may need to pass through it).
    /// </summary>
    public static async Task<ProcessLock> AcquireAsync(LockFile file, TimeSpan timeout, CancellationToken cancellationToken, string holder = "another process")
    {
        var (path, what) = file;
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, SharedDirectoryMode);
        }

        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new ProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), path);
            }
            catch (IOException e) when (File.Exists(path))
            {
                // Held by someone else (the file exists, so this is not a missing directory or a bad path).
                if (time.GetElapsedTime(started) >= timeout)
                {
                    throw new LockHeldException($"{holder} holds the lock on {what} ({path}); gave up after waiting {Describe(timeout)}", e);
                }

                await Task.Delay(PollInterval, time, cancellationToken);
            }
        }
    }

    public void Dispose() => _file.Dispose();

    private static string Describe(TimeSpan timeout) =>
        timeout < TimeSpan.FromSeconds(1) ? $"{timeout.TotalMilliseconds:0}ms" : $"{timeout.TotalSeconds:0}s";
}

/// <summary>Where a lock file is, and what it protects, for messages: e.g. "target secrets (/var/secrets)".</summary>
public sealed record LockFile(string Path, string What);

/// <summary>A lock another process (or another sync in this one) holds was not released in time.</summary>
public sealed class LockHeldException : GitOpsSecretsException
{
    public LockHeldException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public LockHeldException(string message)
        : base(message)
    {
    }

    public LockHeldException()
    {
    }
}
