using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace GitOpsSecrets.Worker.Notifications;

/// <summary>
/// GitHub's commit status API: <c>POST {api}/repos/{owner}/{repo}/statuses/{sha}</c> with
/// <c>{state, description, context}</c>, state pending, success or failure; one context per target.
/// </summary>
public sealed class GitHubStatusChannel(string name, IReadOnlyList<string> targets, Uri apiUrl, string repository, string token, string context) : NotificationChannel(name, targets)
{
    public static readonly Uri DefaultApiUrl = new("https://api.github.com");

    protected override HttpRequestMessage? Build(NotificationEvent notification)
    {
        if (notification.Commit is not { } sha)
        {
            return null; // nothing to attach a status to (the sync stopped before a revision was known)
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(CommitStatusUrls.Join(apiUrl, $"repos/{repository}/statuses/{sha}")))
        {
            Content = JsonContent.Create(new { state = notification.State, description = CommitStatusUrls.Description(notification), context = $"{context}/{notification.Target}" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        return request;
    }
}

/// <summary>
/// GitLab's commit status API: <c>POST {api}/projects/{id}/statuses/{sha}</c> with <c>{state, name,
/// description}</c>, state pending, success or failed; the project path URL-encoded as GitLab requires.
/// </summary>
public sealed class GitLabStatusChannel(string name, IReadOnlyList<string> targets, Uri apiUrl, string project, string token, string context) : NotificationChannel(name, targets)
{
    public static readonly Uri DefaultApiUrl = new("https://gitlab.com/api/v4");

    protected override HttpRequestMessage? Build(NotificationEvent notification)
    {
        if (notification.Commit is not { } sha)
        {
            return null;
        }

        var state = notification.Kind == NotificationKind.Failed ? "failed" : notification.State;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(CommitStatusUrls.Join(apiUrl, $"projects/{Uri.EscapeDataString(project)}/statuses/{sha}")))
        {
            Content = JsonContent.Create(new { state, name = $"{context}/{notification.Target}", description = CommitStatusUrls.Description(notification) }),
        };
        request.Headers.Add("PRIVATE-TOKEN", token);
        return request;
    }
}

internal static class CommitStatusUrls
{
    /// <summary>The base URL's path kept (<c>https://gitlab.example/api/v4</c>, <c>https://ghe.example/api/v3</c>).</summary>
    public static string Join(Uri apiUrl, string path) => apiUrl.ToString().TrimEnd('/') + "/" + path;

    /// <summary>GitHub cuts descriptions at 140 characters; stay under it on both.</summary>
    public static string Description(NotificationEvent notification) =>
        notification.Summary.Length <= 140 ? notification.Summary : notification.Summary[..139] + "…";
}
