using System.Net;
using System.Threading.Channels;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Worker.Metrics;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>Timing of deliveries; tests shorten the wait between attempts.</summary>
public sealed record NotifierOptions
{
    /// <summary>The wait before the second attempt; it doubles for each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Notifications waiting per channel; past it the oldest is dropped (a later state supersedes it).</summary>
    public int QueueLength { get; init; } = 100;
}

/// <summary>
/// Sends state changes to every configured channel without ever holding up a sync: the sync only puts
/// events in a queue per channel; one background loop per channel sends them in order, retrying failed
/// attempts (network errors, timeouts, 5xx, 429) with doubling waits, and gives up on other answers. A
/// channel that hangs delays only its own queue, and each attempt ends at the channel's timeout.
/// </summary>
public sealed class Notifier : IAsyncDisposable
{
    private readonly NotificationStates _states;
    private readonly List<Delivery> _deliveries;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http;

    public Notifier(IReadOnlyList<(NotificationChannel Channel, NotificationConfiguration Settings)> channels, IReadOnlyList<string> targets, TimeProvider time, ILogger<Notifier> logger, NotifierOptions? options = null, HttpMessageHandler? handler = null, WorkerMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        options ??= new NotifierOptions();
        _states = new NotificationStates(targets, time);
        // Timeouts are per attempt and per channel (below), not the client's.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("gitops-secrets");
        _deliveries = channels.Select(c => new Delivery(c.Channel, c.Settings.Timeout, c.Settings.MaxAttempts, options, _http, time, logger, metrics, _stopping.Token)).ToList();
    }

    public int Channels => _deliveries.Count;

    /// <summary>A revision was fetched: commit statuses go to pending.</summary>
    public void Fetched(string revision) => Enqueue(_states.Fetched(revision));

    /// <summary>A sync ended: its state changes are queued. Returns at once.</summary>
    public void Completed(SyncReport report) => Enqueue(_states.Completed(report));

    private void Enqueue(IReadOnlyList<NotificationEvent> events)
    {
        foreach (var notification in events)
        {
            foreach (var delivery in _deliveries)
            {
                delivery.Enqueue(notification);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var delivery in _deliveries)
        {
            await delivery.StopAsync();
        }

        _stopping.Dispose();
        _http.Dispose();
    }

    private sealed class Delivery
    {
        private readonly NotificationChannel _channel;
        private readonly TimeSpan _timeout;
        private readonly int _maxAttempts;
        private readonly NotifierOptions _options;
        private readonly HttpClient _http;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly WorkerMetrics? _metrics;
        private readonly Channel<NotificationEvent> _queue;
        private readonly Task _loop;

        public Delivery(NotificationChannel channel, TimeSpan timeout, int maxAttempts, NotifierOptions options, HttpClient http, TimeProvider time, ILogger logger, WorkerMetrics? metrics, CancellationToken stopping)
        {
            _channel = channel;
            _timeout = timeout;
            _maxAttempts = maxAttempts;
            _options = options;
            _http = http;
            _time = time;
            _logger = logger;
            _metrics = metrics;
            _queue = System.Threading.Channels.Channel.CreateBounded<NotificationEvent>(
                new BoundedChannelOptions(options.QueueLength) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => _metrics?.RecordNotification(_channel.Name, NotificationResults.Dropped));
            _loop = Task.Run(() => RunAsync(stopping), CancellationToken.None);
        }

        public void Enqueue(NotificationEvent notification) => _queue.Writer.TryWrite(notification);

        public async Task StopAsync()
        {
            _queue.Writer.TryComplete();
            await _loop;
        }

        private async Task RunAsync(CancellationToken stopping)
        {
            try
            {
                await foreach (var notification in _queue.Reader.ReadAllAsync(stopping))
                {
                    await SendAsync(notification, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The worker is stopping; what is still queued is not sent.
            }
        }

        private async Task SendAsync(NotificationEvent notification, CancellationToken stopping)
        {
            var delay = _options.FirstRetryDelay;
            for (var attempt = 1; attempt <= _maxAttempts; attempt++)
            {
                using var request = _channel.Request(notification);
                if (request is null)
                {
                    return;
                }

                var (retry, outcome) = await AttemptAsync(request, stopping);
                if (outcome is null)
                {
                    _logger.LogDebug("Notification {Channel}: {Event} for target {Target} sent", _channel.Name, notification.EventName, notification.Target);
                    _metrics?.RecordNotification(_channel.Name, NotificationResults.Sent);
                    return;
                }

                if (!retry || attempt == _maxAttempts)
                {
                    _logger.LogWarning("Notification {Channel}: {Event} for target {Target} not sent after {Attempts} attempt(s): {Outcome}", _channel.Name, notification.EventName, notification.Target, attempt, outcome);
                    _metrics?.RecordNotification(_channel.Name, NotificationResults.Failed);
                    return;
                }

                _logger.LogInformation("Notification {Channel}: attempt {Attempt} failed ({Outcome}); retrying in {Delay}", _channel.Name, attempt, outcome, Durations.Format(delay));
                await Task.Delay(delay, _time, stopping);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }

        /// <summary>Null outcome on success; else whether to retry and what happened (status code or error kind; never the URL, which may be a credential).</summary>
        private async Task<(bool Retry, string? Outcome)> AttemptAsync(HttpRequestMessage request, CancellationToken stopping)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_timeout);
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var code = (int)response.StatusCode;
                return response.IsSuccessStatusCode
                    ? (false, null)
                    : (code >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests || response.StatusCode == HttpStatusCode.RequestTimeout, $"HTTP {code}");
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                return (true, $"no answer within {Durations.Format(_timeout)}");
            }
            catch (HttpRequestException e)
            {
                return (true, $"request failed ({e.HttpRequestError})");
            }
        }
    }
}
