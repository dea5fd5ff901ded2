using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>
/// A generic webhook: a JSON body (schema <see cref="Schema"/>, see docs/configuration.md) POSTed to a URL,
/// signed as GitHub signs its webhooks: <c>X-GitOps-Secrets-Signature-256: sha256=HEX</c>, the HMAC-SHA256
/// of the exact body bytes under the shared secret. Pending states are not sent here (they are for commit statuses).
/// </summary>
public sealed class WebhookChannel(string name, IReadOnlyList<string> targets, Uri url, byte[] secret) : NotificationChannel(name, targets)
{
    public const string Schema = "gitops-secrets.io/notification/v1";

    public const string SignatureHeader = "X-GitOps-Secrets-Signature-256";

    public const string EventHeader = "X-GitOps-Secrets-Event";

    public const string DeliveryHeader = "X-GitOps-Secrets-Delivery";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    protected override HttpRequestMessage? Build(NotificationEvent notification)
    {
        if (notification.Kind == NotificationKind.Pending)
        {
            return null;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new Payload(Schema, notification.EventName, notification.State, notification.Target, notification.Revision, notification.Commit, notification.Summary, notification.Counts, notification.Errors, notification.At),
            Json);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeader, Sign(secret, body));
        request.Headers.Add(EventHeader, notification.EventName);
        request.Headers.Add(DeliveryHeader, Guid.NewGuid().ToString());
        return request;
    }

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of <paramref name="body"/>; what a receiver recomputes and compares in constant time.</summary>
    public static string Sign(byte[] secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    private sealed record Payload(string Schema, string Event, string State, string Target, string? Revision, string? Commit, string Summary, NotificationCounts Counts, IReadOnlyList<string> Errors, DateTimeOffset At);
}
