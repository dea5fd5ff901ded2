using GitOpsSecrets.Configuration;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Tests.Git;

/// <summary><c>sync --config</c> with <c>source.verify</c>: a refused commit changes nothing and says why in one line.</summary>
public sealed class SignedCommitsSyncCliTests : IDisposable
{
    private static readonly string ExampleRepo = Path.Combine(Vectors.Directory, "..", "..", "examples", "repo");
    private static readonly string Manifest = File.ReadAllText(Path.Combine(ExampleRepo, "clusters", "production", "payments", "db-credentials.yaml"));
    private static readonly SecretId DbCredentials = new("payments", "db-credentials");
    private readonly RemoteRepository _remote = new();
    private readonly SigningKeys _keys = new();
    private readonly InMemoryTarget _target = new();
    private readonly CliRunner _cli;

    public SignedCommitsSyncCliTests()
    {
        _cli = new CliRunner
        {
            ConfigureServices = services =>
            {
                services.RemoveAll<ITargetFactory>();
                services.AddSingleton<ITargetFactory>(new SharedTargetFactory(_target));
            },
        };
    }

    public void Dispose()
    {
        _keys.Dispose();
        _remote.Dispose();
    }

    [Fact]
    public async Task Sync_UnsignedCommitAfterASignedOne_RefusedWithOneLineNamingItAndTheTargetKeepsThePreviousState()
    {
        var alice = _keys.SshKey("alice");
        var config = Config(_keys.AllowedSigners(alice));
        _keys.CommitSsh(_remote, alice, "add db credentials", "clusters/production/payments/db-credentials.yaml", Manifest);
        var applied = await _cli.RunAsync("sync", "--config", config);
        applied.ExitCode.ShouldBe(0, applied.ToString());
        var writes = _target.Writes + _target.Deletes;

        var unsigned = _remote.Commit("remove db credentials", "clusters/production/payments/db-credentials.yaml", null);
        var refused = await _cli.RunAsync("sync", "--config", config);

        refused.ExitCode.ShouldBe(7, refused.ToString());
        var line = refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem(refused.ToString());
        line.ShouldStartWith("error: source ");
        line.ShouldContain($"commit {unsigned} (1 of 1 new since the last verified commit", Case.Sensitive, line);
        line.ShouldEndWith("is not signed; source.verify (ssh) applies only commits signed by an allowed key; nothing was changed");
        _target.Secrets.Keys.ShouldBe([DbCredentials], "the unsigned deletion is not applied: the Secret stays");
        (_target.Writes + _target.Deletes).ShouldBe(writes, "nothing is written to the target");
        Console.WriteLine(line); // the line quoted in the report
    }

    [Fact]
    public async Task Sync_VerifyWithoutItsFile_OneLineConfigurationError()
    {
        var config = Config(allowedSigners: null);
        _remote.Commit("any", "a.yaml", "a: 1\n");

        var result = await _cli.RunAsync("sync", "--config", config);

        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.Stderr.Trim().ShouldBe("error: source.verify.allowedSigners: required with mode ssh");
    }

    private string Config(string? allowedSigners)
    {
        var path = Path.Combine(_remote.Scratch("config"), "worker.yaml");
        File.WriteAllText(path, $"""
            source:
              url: {_remote.BarePath}
              paths: [clusters/production]
              cacheDir: {_remote.Scratch("cache")}
              verify:
                mode: ssh
            {(allowedSigners is null ? string.Empty : $"    allowedSigners: {allowedSigners}")}
            keys:
              directory: {Path.Combine(ExampleRepo, "keys", "demo-only")}
            targets:
              - name: memory
                kind: directory
                root: /unused
            """);
        return path;
    }

    private sealed class SharedTargetFactory(InMemoryTarget target) : ITargetFactory
    {
        public string Kind => "directory";

        public ISecretTarget Create(TargetConfiguration configuration) => target;
    }
}
