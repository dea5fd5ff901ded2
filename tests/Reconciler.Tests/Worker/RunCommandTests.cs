using System.Net;
using System.Text.RegularExpressions;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GitOpsSecrets.Tests.Worker;

/// <summary><c>run</c> through the real command line, with flags only (no configuration file).</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_WithFlagsOnly_SyncsServesAndStopsWhenCancelled()
    {
        using var repo = new TempDirectory();
        using var keys = new TempDirectory();
        File.Copy(Vectors.Path("sealing-key.secret.json"), keys.File("vector-key.json"));
        repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db")));
        var target = new InMemoryTarget("memory", "directory");
        var log = new WatchedLog();
        var host = new CliHost
        {
            OpenStandardInput = () => new MemoryStream(),
            Out = new StringWriter(),
            Error = log,
            Environment = new Dictionary<string, string>(),
            ConfigureServices = services =>
            {
                services.RemoveAll<ISecretSourceFactory>();
                services.AddSingleton<ISecretSourceFactory>(new Source(new FolderSource(repo.Path)));
                services.RemoveAll<ITargetFactory>();
                services.AddSingleton<ITargetFactory>(new Target(target));
            },
        };
        using var stop = new CancellationTokenSource();

        var running = CliApp.RunAsync(
            ["run", "--repo", "test://repo", "--keys", keys.Path, "--target", "directory:/unused", "--interval", "1h", "--key-renew-period", "0", "--listen", "http://127.0.0.1:0"],
            host,
            stop.Token);
        var synced = log.WaitForAsync(new Regex("Sync of main@sha1:c1 applied"));
        var listening = log.WorkerUrlAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAny(Task.WhenAll(synced, listening), running).WaitAsync(TimeSpan.FromSeconds(60));
        running.IsCompleted.ShouldBeFalse(log.ToString());
        var url = await listening;
        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri(url, "/healthz"));
        await stop.CancelAsync();
        var code = await running.WaitAsync(TimeSpan.FromSeconds(60));

        url.Port.ShouldBeGreaterThan(0, "--listen with port 0 is reported back as the port the kernel picked");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        target.Secrets.Keys.ShouldContain(new SecretId("apps", "db"));
        code.ShouldBe(ExitCodes.Success, log.ToString());
        log.ToString().ShouldNotContain(WorkerFixture.PlantedValue);
    }

    private sealed class Source(ISecretSource source) : ISecretSourceFactory
    {
        public ISecretSource Create(SourceConfiguration configuration) => source;
    }

    private sealed class Target(ISecretTarget target) : ITargetFactory
    {
        public string Kind => "directory";

        public ISecretTarget Create(TargetConfiguration configuration) => target;
    }
}
