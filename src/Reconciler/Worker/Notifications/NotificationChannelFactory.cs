using System.Text;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>
/// Builds the channels of <c>notifications:</c>, reading their secrets from files or environment variables
/// once at start. Every mistake is a one-line error naming the entry and field; a secret is never quoted.
/// </summary>
public sealed class NotificationChannelFactory(Func<string, string?> environment)
{
    public IReadOnlyList<(NotificationChannel Channel, NotificationConfiguration Settings)> Create(IReadOnlyList<NotificationConfiguration> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        return notifications.Select((n, i) => (Create(n, $"notifications[{i}]"), n)).ToList();
    }

    private NotificationChannel Create(NotificationConfiguration n, string field)
    {
        var name = string.IsNullOrWhiteSpace(n.Name) ? n.Kind : n.Name;
        if (n.MaxAttempts < 1)
        {
            throw new InputException($"{field}.maxAttempts: must be at least 1");
        }

        if (n.Timeout <= TimeSpan.Zero)
        {
            throw new InputException($"{field}.timeout: must be more than 0");
        }

        switch (n.Kind)
        {
            case "webhook":
                var secret = Secret(field, "secret", n.SecretFile, n.SecretEnv)
                    ?? throw new InputException($"{field}: a webhook needs secretFile or secretEnv (the HMAC-SHA256 key)");
                return new WebhookChannel(name, n.Targets, Url(field, "url", n.Url ?? throw new InputException($"{field}.url: required for a webhook")), Encoding.UTF8.GetBytes(secret));
            case "slack":
                var slackUrl = n.Url ?? Secret(field, "url", n.UrlFile, n.UrlEnv)
                    ?? throw new InputException($"{field}: slack needs url, urlFile or urlEnv");
                return new SlackChannel(name, n.Targets, Url(field, "url", slackUrl));
            case "github":
                var repository = n.Repository is { } r && r.Split('/') is [{ Length: > 0 }, { Length: > 0 }]
                    ? r
                    : throw new InputException($"{field}.repository: required for github, as owner/repo");
                return new GitHubStatusChannel(name, n.Targets, n.ApiUrl is null ? GitHubStatusChannel.DefaultApiUrl : Url(field, "apiUrl", n.ApiUrl), repository, Token(field, n), n.Context);
            case "gitlab":
                var project = string.IsNullOrWhiteSpace(n.Project) ? throw new InputException($"{field}.project: required for gitlab (an id or group/project)") : n.Project;
                return new GitLabStatusChannel(name, n.Targets, n.ApiUrl is null ? GitLabStatusChannel.DefaultApiUrl : Url(field, "apiUrl", n.ApiUrl), project, Token(field, n), n.Context);
            default:
                throw new InputException($"{field}.kind: \"{n.Kind}\" is not webhook, slack, github or gitlab");
        }
    }

    private string Token(string field, NotificationConfiguration n) =>
        Secret(field, "token", n.TokenFile, n.TokenEnv) ?? throw new InputException($"{field}: {n.Kind} needs tokenFile or tokenEnv");

    /// <summary>The value of FILE or ENV (trimmed: files end in a newline), or null when neither is set.</summary>
    private string? Secret(string field, string what, string? file, string? variable)
    {
        if (file is not null && variable is not null)
        {
            throw new InputException($"{field}: give {what}File or {what}Env, not both");
        }

        string? value;
        if (file is not null)
        {
            try
            {
                value = Encoding.UTF8.GetString(BoundedInput.ReadFile(file)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"{field}.{what}File: {file} cannot be read: {e.Message}");
            }
        }
        else if (variable is not null)
        {
            value = environment(variable)?.Trim() ?? throw new InputException($"{field}.{what}Env: the environment variable {variable} is not set");
        }
        else
        {
            return null;
        }

        return value.Length > 0 ? value : throw new InputException($"{field}.{what}{(file is null ? "Env" : "File")}: is empty");
    }

    private static Uri Url(string field, string key, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri
            : throw new InputException($"{field}.{key}: not an http(s) URL");
}
