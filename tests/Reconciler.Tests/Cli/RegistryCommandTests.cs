using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// <c>registry login|logout</c> through the in-process CLI against the loopback API server: docker's
/// config.json merged (0600, other keys kept), credential helpers used as docker uses them (a fake
/// helper script on PATH records what it was given), refusals as one line, and no credential printed.
/// </summary>
public sealed class RegistryCommandTests : LoopbackApiServer, IDisposable
{
    private const string Password = "planted-registry-password-7f3e";
    private const string Namespace = "team-a";
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task Login_NoHelper_MergesAuthIntoConfigKeepingOtherEntries()
    {
        var runner = Runner();
        SeedPullSecret("regcred", "registry.example.com", "alice");
        var existing = """{"auths":{"other.example.com":{"auth":"b3RoZXI6b3RoZXI="}},"proxies":{"default":{"httpProxy":"http://proxy:3128"}},"detachKeys":"ctrl-e,e"}""";
        File.WriteAllText(ConfigPath, existing);

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("registry.example.com: logged in with secret team-a/regcred", Case.Sensitive, result.ToString());
        var config = ReadConfig();
        config["auths"]!["registry.example.com"]!["auth"]!.GetValue<string>().ShouldBe(Base64($"alice:{Password}"), "docker's auth form: base64 of user:password");
        config["auths"]!["other.example.com"]!["auth"]!.GetValue<string>().ShouldBe("b3RoZXI6b3RoZXI=", "another registry's login is kept");
        config["proxies"]!["default"]!["httpProxy"]!.GetValue<string>().ShouldBe("http://proxy:3128", "keys we do not own are kept");
        config["detachKeys"]!.GetValue<string>().ShouldBe("ctrl-e,e");
        File.GetUnixFileMode(ConfigPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "config.json holds credentials: 0600");
        result.All.ShouldNotContain(Password, Case.Sensitive, "the credential is never printed");
    }

    [Fact]
    public async Task Login_NoConfigYet_CreatesItUnderDockerConfig()
    {
        var runner = Runner();
        SeedPullSecret("regcred", "ghcr.io", "bot");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        ReadConfig()["auths"]!["ghcr.io"]!["auth"]!.GetValue<string>().ShouldBe(Base64($"bot:{Password}"));
        File.GetUnixFileMode(ConfigPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "a new config.json is 0600 from the start");
    }

    [Fact]
    public async Task Login_CredsStoreConfigured_StoresThroughHelperAndNeverInFile()
    {
        var runner = Runner();
        var helperLog = FakeHelper("fakestore");
        SeedPullSecret("regcred", "registry.example.com", "alice");
        File.WriteAllText(ConfigPath, """{"credsStore":"fakestore"}""");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("stored in docker-credential-fakestore", Case.Sensitive, result.ToString());
        var stored = JsonNode.Parse(File.ReadAllLines(helperLog).Single(l => l.StartsWith("store ", StringComparison.Ordinal))["store ".Length..])!;
        stored["ServerURL"]!.GetValue<string>().ShouldBe("registry.example.com");
        stored["Username"]!.GetValue<string>().ShouldBe("alice");
        stored["Secret"]!.GetValue<string>().ShouldBe(Password, "the helper receives the password on standard input, as docker sends it");
        var configText = File.ReadAllText(ConfigPath);
        configText.ShouldNotContain(Password, Case.Sensitive, "with a credsStore nothing secret goes into config.json");
        configText.ShouldNotContain(Base64($"alice:{Password}"), Case.Sensitive);
        ReadConfig()["auths"]!["registry.example.com"].ShouldBeOfType<JsonObject>().Count.ShouldBe(0, "docker leaves an empty entry for a helper-stored login");
        ReadConfig()["credsStore"]!.GetValue<string>().ShouldBe("fakestore");
        result.All.ShouldNotContain(Password);
    }

    [Fact]
    public async Task Login_CredHelperForOtherHost_WritesThisHostIntoFile()
    {
        var runner = Runner();
        var helperLog = FakeHelper("gcloud");
        SeedPullSecret("regcred", "registry.example.com", "alice");
        File.WriteAllText(ConfigPath, """{"credHelpers":{"gcr.io":"gcloud"}}""");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        File.Exists(helperLog).ShouldBeFalse("a helper configured for another registry is not called");
        ReadConfig()["auths"]!["registry.example.com"]!["auth"]!.GetValue<string>().ShouldBe(Base64($"alice:{Password}"));
        ReadConfig()["credHelpers"]!["gcr.io"]!.GetValue<string>().ShouldBe("gcloud");
    }

    [Fact]
    public async Task Login_CredHelperForThatHost_WinsOverFile()
    {
        var runner = Runner();
        var helperLog = FakeHelper("ecr-login");
        SeedPullSecret("regcred", "https://registry.example.com/v2/", "alice");
        File.WriteAllText(ConfigPath, """{"credHelpers":{"registry.example.com":"ecr-login"}}""");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        File.ReadAllText(helperLog).ShouldContain("\"ServerURL\":\"https://registry.example.com/v2/\"", Case.Sensitive, "credHelpers is keyed by host; the URL form of the server matches it");
        File.ReadAllText(ConfigPath).ShouldNotContain(Password);
    }

    [Fact]
    public async Task Logout_Secret_RemovesExactlyItsEntriesAndErasesFromHelper()
    {
        var runner = Runner();
        var helperLog = FakeHelper("fakestore");
        SeedPullSecret("regcred", "registry.example.com", "alice", secondServer: "ghcr.io");
        File.WriteAllText(ConfigPath, """{"credHelpers":{"ghcr.io":"fakestore"},"auths":{"registry.example.com":{"auth":"eDp5"},"ghcr.io":{},"keep.example.com":{"auth":"a2VlcDprZWVw"}}}""");

        var result = await runner.RunAsync("registry", "logout", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var auths = ReadConfig()["auths"].ShouldBeOfType<JsonObject>();
        auths.ContainsKey("registry.example.com").ShouldBeFalse("the secret's registry is removed");
        auths.ContainsKey("ghcr.io").ShouldBeFalse("the helper-stored registry's empty entry is removed");
        auths["keep.example.com"]!["auth"]!.GetValue<string>().ShouldBe("a2VlcDprZWVw", "a registry the secret does not name stays");
        File.ReadAllLines(helperLog).ShouldBe(["erase ghcr.io"], "the helper erases exactly the server it holds");
    }

    [Fact]
    public async Task Logout_RegistryOnly_NeedsNoCluster()
    {
        var runner = Runner();
        File.WriteAllText(ConfigPath, """{"auths":{"registry.example.com":{"auth":"eDp5"},"keep.example.com":{"auth":"a2VlcDprZWVw"}}}""");

        var result = await runner.RunAsync("registry", "logout", "--registry", "registry.example.com");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe("registry.example.com: logged out\n");
        ReadConfig()["auths"].ShouldBeOfType<JsonObject>().Select(p => p.Key).ShouldBe(["keep.example.com"]);
    }

    [Fact]
    public async Task Login_Forbidden_OneLineExit7AndFileUnchanged()
    {
        var runner = Runner();
        SeedPullSecret("regcred", "registry.example.com", "alice");
        const string before = """{"auths":{"keep.example.com":{"auth":"a2VlcDprZWVw"}}}""";
        File.WriteAllText(ConfigPath, before);
        Server.Faults.FailNext(1, 403, r => r.Name == "regcred");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.SourceUnavailable, result.ToString());
        result.Stderr.ShouldStartWith("error: forbidden: user ", Case.Sensitive, result.ToString());
        result.Stderr.ShouldEndWith("cannot get secret team-a/regcred\n", Case.Sensitive, result.ToString());
        result.Stderr.Count(c => c == '\n').ShouldBe(1, "one line, no stack trace");
        File.ReadAllText(ConfigPath).ShouldBe(before, "a refused login changes nothing");
    }

    [Fact]
    public async Task Login_NotAPullSecret_InvalidInputNamingSecret()
    {
        var runner = Runner();
        Server.CreateNamespace(Namespace);
        Server.SeedSecret(Namespace, "db", new Dictionary<string, string> { ["password"] = Password });

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/db", "--kubeconfig", Kubeconfig());

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe("error: secret team-a/db is of type Opaque, not kubernetes.io/dockerconfigjson\n");
        File.Exists(ConfigPath).ShouldBeFalse();
        result.All.ShouldNotContain(Password);
    }

    [Fact]
    public async Task Login_KubeconfigColonList_MergedLikeKubectlAndRegistryFilter()
    {
        var runner = Runner();
        SeedPullSecret("regcred", "registry.example.com", "alice", secondServer: "ghcr.io");
        runner.Environment["KUBECONFIG"] = string.Join(Path.PathSeparator, _work.File("missing-kubeconfig"), Kubeconfig(), _work.Write("empty-kubeconfig", "apiVersion: v1\nkind: Config\n"));

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--registry", "ghcr.io");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        ReadConfig()["auths"].ShouldBeOfType<JsonObject>().Select(p => p.Key).ShouldBe(["ghcr.io"], "--registry takes only that registry of the secret");
    }

    [Fact]
    public async Task Login_UnknownRegistryFilter_ErrorNamesWhatTheSecretHas()
    {
        var runner = Runner();
        SeedPullSecret("regcred", "registry.example.com", "alice");

        var result = await runner.RunAsync("registry", "login", "--secret", $"{Namespace}/regcred", "--kubeconfig", Kubeconfig(), "--registry", "quay.io");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe("error: secret team-a/regcred has no registry quay.io (it has registry.example.com)\n");
    }

    public void Dispose() => _work.Dispose();

    private string ConfigPath => _work.File("docker/config.json");

    private CliRunner Runner()
    {
        Directory.CreateDirectory(_work.File("docker"));
        var runner = new CliRunner();
        runner.Environment["DOCKER_CONFIG"] = _work.File("docker");
        runner.Environment["PATH"] = $"{_work.File("bin")}{Path.PathSeparator}/usr/bin{Path.PathSeparator}/bin";
        return runner;
    }

    private string Kubeconfig() => Server.WriteKubeconfig(_work.File("kubeconfig"));

    private JsonObject ReadConfig() => JsonNode.Parse(File.ReadAllText(ConfigPath)).ShouldBeOfType<JsonObject>();

    private void SeedPullSecret(string name, string server, string username, string? secondServer = null)
    {
        Server.CreateNamespace(Namespace);
        var auths = new JsonObject
        {
            [server] = new JsonObject { ["username"] = username, ["password"] = Password, ["auth"] = Base64($"{username}:{Password}") },
        };
        if (secondServer is not null)
        {
            auths[secondServer] = new JsonObject { ["auth"] = Base64($"{username}:{Password}") };
        }

        Server.SeedSecret(Namespace, name, new Dictionary<string, string> { [".dockerconfigjson"] = new JsonObject { ["auths"] = auths }.ToJsonString() }, type: "kubernetes.io/dockerconfigjson");
    }

    /// <summary>A docker-credential-NAME script that appends "VERB INPUT" to a log file, as a real helper would store or erase.</summary>
    private string FakeHelper(string name)
    {
        var log = _work.File($"{name}.log");
        var script = _work.Write($"bin/docker-credential-{name}", $"#!/bin/sh\nprintf '%s %s\\n' \"$1\" \"$(cat)\" >> '{log}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return log;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
