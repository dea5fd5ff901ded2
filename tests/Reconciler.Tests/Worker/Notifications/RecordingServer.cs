using GitOpsSecrets.Tests.TestSupport;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.Worker.Notifications;

/// <summary>One request as a notification receiver saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A real HTTP receiver on loopback that records every request, answering each with the status the test
/// chooses by its number (1-based) — or never, for a receiver that hangs until the test ends.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackHttpServer? _server;

    private RecordingServer()
    {
    }

    public string Url => _server!.Url;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="status">The status for request N; null: hold the request open until the server is disposed.</param>
    public static async Task<RecordingServer> StartAsync(Func<int, int?>? status = null)
    {
        var recording = new RecordingServer();
        recording._server = await LoopbackHttpServer.StartAsync(async context => await recording.HandleAsync(context, status ?? (_ => 200)));
        return recording;
    }

    private async Task HandleAsync(HttpContext context, Func<int, int?> status)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.ToUriComponent(),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        int number;
        lock (_lock)
        {
            _requests.Add(request);
            number = _requests.Count;
            foreach (var waiter in _waiters.Where(w => w.Count <= number))
            {
                waiter.Done.TrySetResult();
            }
        }

        if (status(number) is not { } code)
        {
            await _release.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = code;
        await context.Response.WriteAsync("{}");
    }

    /// <summary>Waits (for the request, not a clock) until <paramref name="count"/> requests have arrived.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_requests.Count >= count)
            {
                return;
            }

            _waiters.Add((count, done));
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
