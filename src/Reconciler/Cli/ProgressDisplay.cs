using Spectre.Console;

namespace GitOpsSecrets.Cli;

/// <summary>How far a long run is: <c>Done</c> of <c>Total</c> items (files, Secrets).</summary>
public readonly record struct ProgressStep(int Done, int Total);

/// <summary>
/// Progress of long runs (<c>sync</c>, <c>reseal</c>, <c>keys coverage</c>) on standard error, so standard
/// output stays the report: a live bar on a terminal (Spectre.Console, cleared when done), plain lines
/// at every tenth otherwise (CI logs, pipes, tests). Whether standard error is a terminal is the host's
/// to say (<see cref="CliHost.ErrorIsTerminal"/>), never looked up here.
/// </summary>
public sealed class ProgressDisplay(CliHost host)
{
    /// <summary>Runs of fewer items finish quickly: they show no progress at all.</summary>
    public const int MinimumItems = 100;

    /// <param name="title">What runs, e.g. "sync"; each line starts with it.</param>
    /// <param name="unit">What is counted, plural, e.g. "Secrets".</param>
    public Task<T> RunAsync<T>(string title, string unit, Func<IProgress<ProgressStep>, Task<T>> work) =>
        host.ErrorIsTerminal ? RunLiveAsync(title, unit, work) : work(new PlainLines(host.Error, title, unit));

    /// <summary>A room's own progress type, reported on synchronously (<see cref="Progress{T}"/> posts to the thread pool, so its last lines could land after the report).</summary>
    public static IProgress<TIn> Map<TIn>(IProgress<ProgressStep> to, Func<TIn, ProgressStep> map) => new Mapped<TIn>(to, map);

    private Task<T> RunLiveAsync<T>(string title, string unit, Func<IProgress<ProgressStep>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(host.Error),
            Ansi = AnsiSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        var progress = new Progress(console, host.Time) { AutoClear = true, HideCompleted = true };
        return progress
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(context => work(new LiveBar(context, $"{title}: {unit}")));
    }

    private sealed class Mapped<TIn>(IProgress<ProgressStep> to, Func<TIn, ProgressStep> map) : IProgress<TIn>
    {
        public void Report(TIn value) => to.Report(map(value));
    }

    /// <summary>One bar, created when the first step says how many items there are.</summary>
    private sealed class LiveBar(ProgressContext context, string description) : IProgress<ProgressStep>
    {
        private readonly Lock _lock = new();
        private ProgressTask? _task;

        public void Report(ProgressStep value)
        {
            lock (_lock)
            {
                if (value.Total < MinimumItems)
                {
                    return;
                }

                _task ??= context.AddTask(Markup.Escape(description), maxValue: value.Total);
                _task.MaxValue = value.Total;
                _task.Value = Math.Max(_task.Value, value.Done);
            }
        }
    }

    /// <summary>"sync: 300/1000 Secrets" each time another tenth is done; parallel workers may report out of order.</summary>
    private sealed class PlainLines(TextWriter writer, string title, string unit) : IProgress<ProgressStep>
    {
        private readonly Lock _lock = new();
        private int _tenthsPrinted;

        public void Report(ProgressStep value)
        {
            if (value.Total < MinimumItems)
            {
                return;
            }

            lock (_lock)
            {
                var tenths = (int)(10L * value.Done / value.Total);
                if (tenths <= _tenthsPrinted)
                {
                    return;
                }

                _tenthsPrinted = tenths;
                var done = (int)((long)value.Total * tenths / 10);
                writer.WriteLine($"{title}: {done}/{value.Total} {unit}");
            }
        }
    }
}
