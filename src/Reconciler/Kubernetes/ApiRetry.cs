using System.Net;
using System.Text.Json;
using GitOpsSecrets.Targets;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>How calls to the API server are retried: bounded attempts, exponential backoff with jitter.</summary>
public sealed record KubernetesRetryPolicy
{
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A server's Retry-After is honoured up to this long.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based): doubling, capped, with up to half of it random.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var exponential = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(exponential * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}

/// <summary>
/// Calls the API server, retrying what may succeed later: 429 (after its Retry-After), 500–504,
/// timeouts and dropped connections. Everything else is the caller's to translate. Waiting goes
/// through the <see cref="TimeProvider"/>, so tests never sleep.
/// </summary>
public sealed class ApiCaller(KubernetesRetryPolicy policy, TimeProvider time, ILogger logger)
{
    public async Task<T> CallAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt >= policy.MaxAttempts)
                {
                    throw new TargetException($"{what}: {Describe(e)}; gave up after {attempt} attempts", e) { Transient = true };
                }

                var delay = RetryAfter(e) is { } retryAfter ? (retryAfter < policy.MaxRetryAfter ? retryAfter : policy.MaxRetryAfter) : policy.Backoff(attempt);
                logger.LogWarning("{What}: {Error}; retry {Attempt} of {Max} in {Delay}", what, Describe(e), attempt, policy.MaxAttempts - 1, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    public Task CallAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync<bool>(what, async ct =>
        {
            await call(ct);
            return true;
        }, cancellationToken);

    public static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpOperationException http => (int)http.Response.StatusCode is 429 or (>= 500 and <= 504),
        HttpRequestException or IOException => true,

        // HttpClient's own timeout surfaces as a cancellation that nobody asked for.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static int? StatusCode(Exception e) => e is HttpOperationException http ? (int)http.Response.StatusCode : null;

    /// <summary>The API server's own words: code, reason and message of its Status body (never a request body).</summary>
    public static string Describe(Exception e) => e switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {StatusField(http, "reason") ?? http.Response.StatusCode.ToString()}"
            + (StatusField(http, "message") is { } message ? $": {message}" : string.Empty),
        OperationCanceledException => "the request timed out",
        HttpRequestException or IOException => $"connection failed ({e.Message.TrimEnd('.')})",
        _ => e.Message,
    };

    public static string? StatusField(HttpOperationException e, string field)
    {
        try
        {
            using var document = JsonDocument.Parse(e.Response.Content ?? string.Empty);
            return document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The Status details' kind: "namespaces" on a 404 means the namespace is missing, not the object.</summary>
    public static string? StatusDetailsKind(HttpOperationException e)
    {
        try
        {
            using var document = JsonDocument.Parse(e.Response.Content ?? string.Empty);
            return document.RootElement.TryGetProperty("details", out var details) && details.TryGetProperty("kind", out var kind) ? kind.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryAfter(Exception e) =>
        e is HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } http
        && http.Response.Headers is { } headers
        && headers.TryGetValue("Retry-After", out var values)
        && int.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
