using System.Text.RegularExpressions;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A command's log (its standard error) that a test can await a line from, however early or late the
/// line is written: the signal to wait for instead of a guessed time. Safe for writers on several threads.
/// </summary>
public sealed partial class WatchedLog : StringWriter
{
    private readonly Lock _lock = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiters = [];

    /// <summary>The worker's "Listening on http://127.0.0.1:PORT" line (WorkerHost), with the address as <c>url</c>.</summary>
    [GeneratedRegex(@"Listening on (?<url>http://[^\s,]+)")]
    public static partial Regex WorkerListening();

    /// <summary>Completes with the first match of <paramref name="pattern"/> in the log, already written or still to come.</summary>
    public Task<Match> WaitForAsync(Regex pattern)
    {
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var match = pattern.Match(base.ToString());
            if (match.Success)
            {
                found.SetResult(match);
            }
            else
            {
                _waiters.Add((pattern, found));
            }
        }

        return found.Task;
    }

    /// <summary>Waits for the worker's listening line and returns its address.</summary>
    public async Task<Uri> WorkerUrlAsync(TimeSpan timeout) =>
        new((await WaitForAsync(WorkerListening()).WaitAsync(timeout)).Groups["url"].Value);

    public override void Write(char value) => Append(() => base.Write(value));

    public override void Write(string? value) => Append(() => base.Write(value));

    public override void Write(char[] buffer, int index, int count) => Append(() => base.Write(buffer, index, count));

    public override void WriteLine(string? value) => Append(() => base.WriteLine(value));

    public override string ToString()
    {
        lock (_lock)
        {
            return base.ToString();
        }
    }

    private void Append(Action write)
    {
        lock (_lock)
        {
            write();
            if (_waiters.Count == 0)
            {
                return;
            }

            var text = base.ToString();
            foreach (var waiter in _waiters.ToList())
            {
                var match = waiter.Pattern.Match(text);
                if (match.Success)
                {
                    waiter.Found.SetResult(match);
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
