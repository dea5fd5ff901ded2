using System.Net.Http.Json;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>
/// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): <c>{"text": "..."}</c>, with
/// Slack's three control characters (&amp;, &lt;, &gt;) escaped so repository text cannot make links or mentions.
/// </summary>
public sealed class SlackChannel(string name, IReadOnlyList<string> targets, Uri url) : NotificationChannel(name, targets)
{
    protected override HttpRequestMessage? Build(NotificationEvent notification)
    {
        if (notification.Kind == NotificationKind.Pending)
        {
            return null;
        }

        var mark = notification.Kind == NotificationKind.Failed ? ":x:" : ":white_check_mark:";
        var text = $"{mark} gitops-secrets target *{Escape(notification.Target)}*: {Escape(notification.Summary)}";
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { text }) };
    }

    public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
