namespace GitOpsSecrets.Git;

/// <summary>
/// An exclusive lock on a cache directory shared by processes: a lock file opened with FileShare.None,
/// which .NET on Unix backs with flock(2), so the kernel releases it when a process dies.
/// Waiting for another process is real time, so it runs on the system clock even when the rest of the
/// program runs on a test clock (a fake clock that is never advanced would wait forever).
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly FileStream _file;

    private CacheLock(FileStream file) => _file = file;

    public static async Task<CacheLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new CacheLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (time.GetElapsedTime(started) < timeout)
            {
                // Another process is fetching into this cache; wait for it rather than interleave.
                await Task.Delay(PollInterval, time, cancellationToken);
            }
            catch (IOException e)
            {
                throw new GitException($"cache {Path.GetDirectoryName(path)} is locked by another process (waited {timeout.TotalSeconds:0}s for {path})", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
