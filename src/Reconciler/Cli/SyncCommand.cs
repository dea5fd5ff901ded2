using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>sync</c> applies the repository's Secrets to the targets once; <c>plan</c> (alias <c>diff</c>) shows
/// what it would do and applies nothing. Exit codes: 0 done (plan: nothing to do), 5 partial failure,
/// 1 nothing could be done, 6 (plan) changes pending, 7 another sync held a lock past --lock-timeout.
/// </summary>
public sealed class SyncCommand(CliHost host, SharedOptions shared, bool plan) : CliCommand(host, shared)
{
    private readonly ConfigurationOptions _configuration = new();
    private readonly Option<string> _output = shared.ReportFormat("--output");

    private readonly Option<string?> _lockTimeout = new("--lock-timeout")
    {
        Description = "How long to wait while another sync holds the cache or a target, e.g. 30s; 0 fails at once (default 5m, then exit 7)",
    };

    public override Command Build()
    {
        var command = plan
            ? new Command("plan", "Show what sync would create, update and delete, by key name; applies nothing")
            : new Command("sync", "Fetch the repository, decrypt what changed, apply it to the targets, and report");
        if (plan)
        {
            command.Aliases.Add("diff");
        }

        foreach (var option in _configuration.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(_output);
        command.Options.Add(_lockTimeout);
        command.SetAction(Handler((parse, services, ct) => RunAsync(parse, services, ct)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var json = SharedOptions.IsJson(parse, _output);
        var configuration = _configuration.Resolve(parse, Host);
        var lockTimeout = parse.GetValue(_lockTimeout) is { } text ? Durations.Parse(text, "--lock-timeout") : SyncEngineOptions.DefaultLockTimeout;
        var engine = services.GetRequiredService<SyncEngineFactory>().Create(configuration, new SyncEngineOptions { LockTimeout = lockTimeout });
        var progress = new ProgressLine(Host.Error, Host.Time);
        SyncReport report;
        try
        {
            report = await engine.SyncAsync(plan, progress, cancellationToken);
        }
        catch (LockHeldException e)
        {
            await Host.Error.WriteLineAsync($"error: {TerminalText.Escape(e.Message)}; nothing was changed");
            return ExitCodes.LockHeld;
        }

        progress.Finish();
        await Host.Out.WriteAsync(json ? ReportPrinter.Json(report) : ReportPrinter.Text(report));
        return ExitCodeOf(report, plan);
    }

    public static int ExitCodeOf(SyncReport report, bool plan) =>
        report.Failed ? ExitCodes.Error
        : report.HasFailures ? ExitCodes.PartialFailure
        : plan && report.HasChanges ? ExitCodes.ChangesPending
        : ExitCodes.Success;

    /// <summary>A progress line on standard error for long runs: at most one every two seconds.</summary>
    private sealed class ProgressLine(TextWriter writer, TimeProvider time) : IProgress<SyncProgress>
    {
        private readonly Lock _lock = new();
        private long _last = time.GetTimestamp();
        private bool _printed;

        public void Report(SyncProgress value)
        {
            lock (_lock)
            {
                if (time.GetElapsedTime(_last) < TimeSpan.FromSeconds(2) || value.Done == value.Total)
                {
                    return;
                }

                _last = time.GetTimestamp();
                _printed = true;
                writer.WriteLine($"progress: {value.Done}/{value.Total} Secrets {value.Phase}");
            }
        }

        public void Finish()
        {
            if (_printed)
            {
                writer.Flush();
            }
        }
    }
}
