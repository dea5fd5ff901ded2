using GitOpsSecrets.Configuration;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// The <c>sync</c> command end to end with the real git source (a bare repository as the remote). The
/// target is the in-memory one, standing in for every target kind, so this test is about the source.
/// </summary>
public sealed class GitSyncCliTests : IDisposable
{
    private static readonly string ExampleRepo = Path.Combine(Vectors.Directory, "..", "..", "examples", "repo");
    private static readonly SecretId DbCredentials = new("payments", "db-credentials");
    private readonly RemoteRepository _remote = new();
    private readonly InMemoryTarget _target = new();
    private readonly CliRunner _cli;

    public GitSyncCliTests()
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

    public void Dispose() => _remote.Dispose();

    [Fact]
    public async Task Sync_FromABareRemote_AppliesCommitsAndChangesNothingWhenTheRemoteIsGone()
    {
        var manifest = File.ReadAllText(Path.Combine(ExampleRepo, "clusters", "production", "payments", "db-credentials.yaml"));
        var first = _remote.Commit("add db credentials", "clusters/production/payments/db-credentials.yaml", manifest);
        string[] args =
        [
            "sync", "--repo", _remote.BarePath, "--path", "clusters/production",
            "--keys", Path.Combine(ExampleRepo, "keys", "demo-only"),
            "--target", "directory:/unused", "--cache-dir", _remote.Scratch("cache"),
        ];

        var applied = await _cli.RunAsync(args);

        applied.ExitCode.ShouldBe(0, applied.ToString());
        applied.All.ShouldContain($"HEAD@sha1:{first}");
        _target.Secrets.Keys.ShouldBe([DbCredentials]);

        _remote.Commit("remove db credentials", "clusters/production/payments/db-credentials.yaml", null);
        var pruned = await _cli.RunAsync(args);

        pruned.ExitCode.ShouldBe(0, pruned.ToString());
        _target.Secrets.ShouldBeEmpty(pruned.ToString());

        _remote.Commit("add it back", "clusters/production/payments/db-credentials.yaml", manifest);
        (await _cli.RunAsync(args)).ExitCode.ShouldBe(0);
        Directory.Delete(_remote.BarePath, recursive: true);
        var writes = _target.Writes + _target.Deletes;
        var unreachable = await _cli.RunAsync(args);

        unreachable.ExitCode.ShouldNotBe(0, unreachable.ToString());
        unreachable.All.ShouldContain("remote unreachable");
        _target.Secrets.Keys.ShouldBe([DbCredentials], "a git error changes nothing in the target");
        (_target.Writes + _target.Deletes).ShouldBe(writes);
    }

    private sealed class SharedTargetFactory(InMemoryTarget target) : ITargetFactory
    {
        public string Kind => "directory";

        public ISecretTarget Create(TargetConfiguration configuration) => target;
    }
}
