using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>A directory target's <c>onChange.exec</c> through <c>sync --config</c>: run after changes, with the changed paths in its environment, never with values.</summary>
public sealed class OnChangeCommandTests : IDisposable
{
    private const string Planted = "onchange-planted-3b9d";
    private readonly RemoteRepository _remote = new();
    private readonly CliRunner _cli = new();

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task Sync_SecretChanged_RunsCommandOnceWithChangedPathsInEnvironment_NotAfterANoChangeSync()
    {
        var keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var target = _remote.Scratch("target");
        var record = Path.Combine(_remote.Scratch("out"), "calls.txt");
        using var key = TestKeys.New();
        _remote.Commit("db", new Dictionary<string, string?>
        {
            ["apps/db.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(key, "shop", "db", new Dictionary<string, string> { ["password"] = Planted })),
            ["apps/api.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(key, "shop", "api", new Dictionary<string, string> { ["token"] = Planted })),
        });
        var config = Path.Combine(_remote.Scratch("cfg"), "config.yaml");
        File.WriteAllText(config, $"""
            source:
              url: {_remote.BarePath}
              cacheDir: {_remote.Scratch("cache")}
            keys:
              directory: {keys}
            targets:
              - name: files
                kind: directory
                root: {target}
                onChange:
                  exec: ["/bin/sh", "-c", "printf '%s|%s|%s|args:%s\\n' \"$GITOPS_SECRETS_TARGET\" \"$GITOPS_SECRETS_CHANGED_PATHS\" \"$GITOPS_SECRETS_TARGET_ROOT\" \"$#\" >> '{record}'"]
            """);

        var first = await _cli.RunAsync("sync", "--config", config);
        var unchanged = await _cli.RunAsync("sync", "--config", config);
        _remote.Commit("db v2", new Dictionary<string, string?> { ["apps/db.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(key, "shop", "db", new Dictionary<string, string> { ["password"] = "v2" })) });
        var changed = await _cli.RunAsync("sync", "--config", config);

        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        unchanged.ExitCode.ShouldBe(ExitCodes.Success, unchanged.ToString());
        changed.ExitCode.ShouldBe(ExitCodes.Success, changed.ToString());
        var calls = File.ReadAllText(record);
        calls.ShouldBe(
            $"files|{target}/shop/api\n{target}/shop/db|{target}|args:0\nfiles|{target}/shop/db|{target}|args:0\n",
            "once for the first sync (both Secrets), none for the sync without changes, once for the db change");
        calls.ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Sync_CommandFails_WarningNamesItAndTheSecretsStayApplied()
    {
        var keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var target = _remote.Scratch("target");
        using var key = TestKeys.New();
        _remote.Commit("db", new Dictionary<string, string?> { ["apps/db.yaml"] = SealedFiles.Yaml(SealedFiles.Seal(key, "shop", "db", new Dictionary<string, string> { ["password"] = Planted })) });
        var config = Path.Combine(_remote.Scratch("cfg"), "config.yaml");
        File.WriteAllText(config, $"""
            source:
              url: {_remote.BarePath}
              cacheDir: {_remote.Scratch("cache")}
            keys:
              directory: {keys}
            targets:
              - name: files
                kind: directory
                root: {target}
                onChange:
                  exec: ["/bin/sh", "-c", "exit 3"]
            """);

        var result = await _cli.RunAsync("sync", "--config", config);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("warning: target files: onChange command /bin/sh exited with code 3");
        File.ReadAllText(Path.Combine(target, "shop", "db", "password")).ShouldBe(Planted);
    }
}
