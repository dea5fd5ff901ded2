using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>sync</c> applies the repository's Secrets to the targets once; <c>plan</c> (alias <c>diff</c>) shows
/// what it would do and applies nothing. Exit codes (see <see cref="ExitCodes"/>): 0 done (plan: nothing
/// to do), 5 partial failure, 6 (plan) changes pending, 7 repository unreachable, 8 another sync held a
/// lock past --lock-timeout, 3 a --path matches nothing, 1 nothing could be done.
/// </summary>
public sealed class SyncCommand(CliHost host, SharedOptions shared, bool plan) : CliCommand(host, shared)
{
    private readonly ConfigurationOptions _configuration = new();
    private readonly Option<string> _format = shared.ReportFormat();

    private readonly Option<string?> _lockTimeout = new("--lock-timeout")
    {
        Description = "How long to wait while another sync holds the cache or a target, e.g. 30s; 0 fails at once (default 5m, then exit 8)",
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

        command.Options.Add(_format);
        command.Options.Add(_lockTimeout);
        command.SetAction(Handler((parse, services, ct) => RunAsync(parse, services, ct)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var json = SharedOptions.IsJson(parse, _format);
        var configuration = _configuration.Resolve(parse, Host);
        var lockTimeout = parse.GetValue(_lockTimeout) is { } text ? Durations.Parse(text, "--lock-timeout") : SyncEngineOptions.DefaultLockTimeout;
        var engine = services.GetRequiredService<SyncEngineFactory>().Create(configuration, new SyncEngineOptions { LockTimeout = lockTimeout });
        SyncReport report;
        try
        {
            report = await new ProgressDisplay(Host).RunAsync(
                plan ? "plan" : "sync",
                "Secrets",
                progress => engine.SyncAsync(plan, ProgressDisplay.Map(progress, (SyncProgress p) => new ProgressStep(p.Done, p.Total)), cancellationToken));
        }
        catch (LockHeldException e)
        {
            await Host.Error.WriteLineAsync($"error: {TerminalText.Escape(e.Message)}; nothing was changed");
            return ExitCodes.LockHeld;
        }

        if (report.StoppedAt is not null)
        {
            // Nothing was read or planned: the reason is the whole story, said once on standard error (and in the JSON for machines).
            foreach (var error in report.Errors)
            {
                await Host.Error.WriteLineAsync($"error: {TerminalText.Escape(error)}");
            }

            if (json)
            {
                await Host.Out.WriteAsync(ReportPrinter.Json(report));
            }

            return ExitCodeOf(report, plan);
        }

        await Host.Out.WriteAsync(json ? ReportPrinter.Json(report) : ReportPrinter.Text(report));
        return ExitCodeOf(report, plan);
    }

    public static int ExitCodeOf(SyncReport report, bool plan) =>
        report.StoppedAt switch
        {
            SyncFailure.Source => ExitCodes.SourceUnavailable,
            SyncFailure.Paths => ExitCodes.InvalidInput,
            SyncFailure.Unverified => ExitCodes.SourceUnavailable,
            _ when report.Failed => ExitCodes.Error,
            _ when report.HasFailures => ExitCodes.PartialFailure,
            _ when plan && report.HasChanges => ExitCodes.ChangesPending,
            _ => ExitCodes.Success,
        };
}
