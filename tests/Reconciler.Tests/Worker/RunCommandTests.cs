using System.Net;
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
        var log = new SignallingWriter("Sync of main@sha1:c1 applied");
        var port = FreePort.Next();
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
            ["run", "--repo", "test://repo", "--keys", keys.Path, "--target", "directory:/unused", "--interval", "1h", "--key-renew-period", "0", "--listen", $"http://127.0.0.1:{port}"],
            host,
            stop.Token);
        await Task.WhenAny(log.Seen, running).Unwrap().WaitAsync(TimeSpan.FromSeconds(60));
        running.IsCompleted.ShouldBeFalse(log.ToString());
        using var http = new HttpClient();
        var health = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
        await stop.CancelAsync();
        var code = await running.WaitAsync(TimeSpan.FromSeconds(60));

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

    /// <summary>Completes <see cref="Seen"/> when a line containing the text is written.</summary>
    private sealed class SignallingWriter(string text) : StringWriter
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();

        public Task Seen => _seen.Task;

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }

            if (value?.Contains(text, StringComparison.Ordinal) == true)
            {
                _seen.TrySetResult();
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}
