using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Notifications;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary><c>notifications:</c>: reading, and the one-line errors of building the channels.</summary>
public sealed class NotificationConfigurationTests
{
    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));

    private static NotificationChannelFactory Factory(Dictionary<string, string>? environment = null) =>
        new(name => environment?.GetValueOrDefault(name));

    [Fact]
    public void Read_EveryKind_FieldsAndDefaults()
    {
        var notifications = Read("""
            notifications:
              - name: hook
                kind: webhook
                url: https://hooks.example.test/gitops
                secretEnv: HOOK_SECRET
                targets: [prod]
                timeout: 5s
                maxAttempts: 3
              - kind: gitlab
                project: platform/secrets
                apiUrl: https://gitlab.example.test/api/v4
                tokenFile: /run/token
                context: deploy
            """).Notifications;

        notifications.Count.ShouldBe(2);
        notifications[0].Kind.ShouldBe("webhook");
        notifications[0].SecretEnv.ShouldBe("HOOK_SECRET");
        notifications[0].Targets.ShouldBe(["prod"]);
        notifications[0].Timeout.ShouldBe(TimeSpan.FromSeconds(5));
        notifications[0].MaxAttempts.ShouldBe(3);
        notifications[1].Context.ShouldBe("deploy");
        notifications[1].Project.ShouldBe("platform/secrets");
        Read("source:\n  url: x\n").Notifications.ShouldBeEmpty();
    }

    [Fact]
    public void Factory_SecretsFromFileAndEnvironment_BuildEveryKind()
    {
        using var temp = new TempDirectory();
        var token = temp.Write("token", "t0k3n\n");
        var channels = Factory(new() { ["HOOK_SECRET"] = "s3cret", ["SLACK_URL"] = "https://hooks.slack.test/services/T/B/X" }).Create(
        [
            new NotificationConfiguration { Kind = "webhook", Url = "https://h.test/", SecretEnv = "HOOK_SECRET" },
            new NotificationConfiguration { Kind = "slack", UrlEnv = "SLACK_URL" },
            new NotificationConfiguration { Kind = "github", Repository = "acme/secrets", TokenFile = token },
            new NotificationConfiguration { Name = "gl", Kind = "gitlab", Project = "42", TokenFile = token },
        ]);

        channels.Select(c => c.Channel.GetType().Name).ShouldBe(["WebhookChannel", "SlackChannel", "GitHubStatusChannel", "GitLabStatusChannel"]);
        channels.Select(c => c.Channel.Name).ShouldBe(["webhook", "slack", "github", "gl"], "the name defaults to the kind");
    }

    [Theory]
    [InlineData("teams", null, null, "notifications[0].kind: \"teams\" is not webhook, slack, github or gitlab")]
    [InlineData("webhook", null, null, "notifications[0]: a webhook needs secretFile or secretEnv (the HMAC-SHA256 key)")]
    [InlineData("webhook", "MISSING", null, "notifications[0].secretEnv: the environment variable MISSING is not set")]
    [InlineData("github", null, null, "notifications[0].repository: required for github, as owner/repo")]
    [InlineData("github", null, "acme/secrets", "notifications[0]: github needs tokenFile or tokenEnv")]
    [InlineData("gitlab", null, null, "notifications[0].project: required for gitlab (an id or group/project)")]
    [InlineData("slack", null, null, "notifications[0]: slack needs url, urlFile or urlEnv")]
    public void Factory_Invalid_OneLineErrorNamingTheEntry(string kind, string? secretEnv, string? repository, string expected)
    {
        var notification = new NotificationConfiguration { Kind = kind, Url = kind == "webhook" ? "https://h.test/" : null, SecretEnv = secretEnv, Repository = repository };

        Should.Throw<InputException>(() => Factory().Create([notification])).Message.ShouldBe(expected);
    }

    [Fact]
    public void Factory_SlackUrlInvalid_ErrorDoesNotQuoteTheUrl()
    {
        var error = Should.Throw<InputException>(() => Factory(new() { ["SLACK_URL"] = "hooks.slack.test/services/T/B/SECRETPART" })
            .Create([new NotificationConfiguration { Kind = "slack", UrlEnv = "SLACK_URL" }]));

        error.Message.ShouldBe("notifications[0].url: not an http(s) URL");
    }
}
