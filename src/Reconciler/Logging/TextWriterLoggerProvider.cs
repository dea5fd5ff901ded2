using GitOpsSecrets.IO;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Logging;

/// <summary>
/// Logs to the host's standard error as <c>level: message</c> lines, so logs go where the command's
/// other diagnostics go (and tests can read them). Values reach a logger only as message template
/// arguments chosen by our code, which never passes secret values.
/// </summary>
public sealed class TextWriterLoggerProvider(TextWriter writer, LogLevel minimum, TimeProvider time, bool timestamps) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var name = level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warning",
            LogLevel.Error => "error",
            _ => "critical",
        };
        // Messages carry file names and other repository text: escaped, so none can forge a log line.
        message = TerminalText.Escape(message);
        var line = timestamps ? $"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {name} {Short(category)}: {message}" : $"{name}: {message}";
        lock (_lock)
        {
            writer.WriteLine(line);
            if (exception is not null && _minimum <= LogLevel.Debug)
            {
                writer.WriteLine(exception.ToString());
            }

            writer.Flush();
        }
    }

    private static string Short(string category) => category[(category.LastIndexOf('.') + 1)..];

    private sealed class Logger(TextWriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }

    private readonly LogLevel _minimum = minimum;
}
