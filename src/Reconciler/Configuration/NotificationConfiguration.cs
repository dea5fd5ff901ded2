namespace GitOpsSecrets.Configuration;

/// <summary>
/// One entry of <c>notifications:</c> (run only): where the worker reports state changes of its targets
/// (first failure, recovery, a revision applied). Secrets (HMAC key, tokens, a Slack URL) are read from a
/// file or an environment variable, never written in the configuration itself.
/// </summary>
public sealed class NotificationConfiguration
{
    /// <summary>For logs; defaults to the kind.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary><c>webhook</c>, <c>slack</c>, <c>github</c> or <c>gitlab</c>.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>webhook, slack: where to POST.</summary>
    public string? Url { get; set; }

    /// <summary>slack: a file or environment variable holding the webhook URL (it is a credential).</summary>
    public string? UrlFile { get; set; }

    public string? UrlEnv { get; set; }

    /// <summary>webhook: the HMAC-SHA256 key for the signature header, from a file or an environment variable.</summary>
    public string? SecretFile { get; set; }

    public string? SecretEnv { get; set; }

    /// <summary>github, gitlab: the API token, from a file or an environment variable.</summary>
    public string? TokenFile { get; set; }

    public string? TokenEnv { get; set; }

    /// <summary>github, gitlab: the API base URL (GitHub Enterprise, self-managed GitLab).</summary>
    public string? ApiUrl { get; set; }

    /// <summary>github: <c>owner/repo</c>.</summary>
    public string? Repository { get; set; }

    /// <summary>gitlab: the project id or its path (<c>group/project</c>).</summary>
    public string? Project { get; set; }

    /// <summary>github, gitlab: the status context; the target's name is appended (<c>gitops-secrets/production</c>).</summary>
    public string Context { get; set; } = "gitops-secrets";

    /// <summary>Targets whose changes are reported; empty: all.</summary>
    public List<string> Targets { get; set; } = [];

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per notification, the first included; the waits between them double from 1s.</summary>
    public int MaxAttempts { get; set; } = 5;
}
