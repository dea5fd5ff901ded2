namespace GitOpsSecrets.Worker.Notifications;

/// <summary>One place notifications go: builds the HTTP request for an event, or says the event is not for it.</summary>
public abstract class NotificationChannel(string name, IReadOnlyList<string> targets)
{
    public string Name => name;

    /// <summary>The request for <paramref name="notification"/>, or null when this channel does not report it.</summary>
    public HttpRequestMessage? Request(NotificationEvent notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return targets.Count == 0 || targets.Contains(notification.Target, StringComparer.Ordinal) ? Build(notification) : null;
    }

    protected abstract HttpRequestMessage? Build(NotificationEvent notification);
}
