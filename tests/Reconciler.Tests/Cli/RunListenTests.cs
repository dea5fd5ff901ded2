using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.Git;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary><c>run --listen</c> in the forms people bring: Bitnami's <c>:PORT</c>, <c>HOST:PORT</c> and URLs (port 0: the system picks).</summary>
public sealed class RunListenTests : IDisposable
{
    private readonly RemoteRepository _remote = new();

    public void Dispose() => _remote.Dispose();

    [Theory]
    [InlineData("--listen", "127.0.0.1:0")]
    [InlineData("--listen-addr", ":0")]
    [InlineData("--listen", "http://127.0.0.1:0")]
    public async Task Run_ListenForms_StartsSyncsAndStops(string flag, string address)
    {
        var keys = _remote.Scratch("keys");
        SealedFiles.WriteKeyPair(keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using (var key = TestKeys.New())
        {
            _remote.Commit("one secret", "apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(key, "apps", "db", new Dictionary<string, string> { ["password"] = "listen-planted" })));
        }

        var target = _remote.Scratch("target");
        var log = new SignallingWriter(" applied");
        var host = new CliHost { OpenStandardInput = () => new MemoryStream(), Out = new StringWriter(), Error = log, Environment = new Dictionary<string, string>() };
        using var stop = new CancellationTokenSource();

        var running = CliApp.RunAsync(
            ["run", "--repo", _remote.BarePath, "--keys", keys, "--target", $"directory:{target}", "--cache-dir", _remote.Scratch("cache"), "--interval", "1h", "--key-renew-period", "0", flag, address],
            host,
            stop.Token);
        await Task.WhenAny(log.Seen, running).Unwrap().WaitAsync(TimeSpan.FromSeconds(60));
        running.IsCompleted.ShouldBeFalse($"{flag} {address} must start the worker:\n{log}");
        await stop.CancelAsync();
        var code = await running.WaitAsync(TimeSpan.FromSeconds(60));

        code.ShouldBe(ExitCodes.Success, log.ToString());
        File.ReadAllText(Path.Combine(target, "apps", "db", "password")).ShouldBe("listen-planted");
        log.ToString().ShouldNotContain("listen-planted");
    }

    [Theory]
    [InlineData("8080")]
    [InlineData("localhost")]
    [InlineData("ftp://127.0.0.1:21")]
    public async Task Run_ListenNotAnAddress_UsageErrorWithExamples(string address)
    {
        var result = await new CliRunner().RunAsync("run", "--repo", _remote.BarePath, "--keys", _remote.Scratch("keys"), "--target", "directory:/unused", "--listen", address);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe($"error: --listen: \"{address}\" is not an address (examples: :8080, 127.0.0.1:8080, http://0.0.0.0:8080)\n");
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
