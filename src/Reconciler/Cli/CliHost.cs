using System.Collections;
using GitOpsSecrets.Git;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Cli;

/// <summary>
/// Everything a command takes from its process: standard streams, environment variables and the clock.
/// The real program passes the process's; tests pass string writers and a fixed environment, so a
/// command runs in-process exactly as it does from a shell.
/// </summary>
public sealed class CliHost
{
    public required Func<Stream> OpenStandardInput { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The name the program was started as (argv[0] without directory or extension). <c>kubeseal</c>
    /// makes the root command kubeseal itself (<see cref="KubesealAlias"/>). Given by the process edge,
    /// never read from the process deeper in.
    /// </summary>
    public string InvocationName { get; init; } = CliApp.Name;

    /// <summary>Standard error is a terminal a person watches: progress is a live bar there, plain lines otherwise.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Lets a test or host replace any service after the rooms have registered theirs.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public static CliHost FromProcess(string? invocationName = null)
    {
        var environment = System.Environment.GetEnvironmentVariables()
            .Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        return new()
        {
            InvocationName = invocationName ?? CliApp.Name,
            OpenStandardInput = Console.OpenStandardInput,
            Out = Console.Out,
            Error = Console.Error,
            Environment = environment,
            ErrorIsTerminal = !Console.IsErrorRedirected && environment.GetValueOrDefault("TERM") is not "dumb",
        };
    }

    public string? GetEnvironmentVariable(string name) =>
        Environment.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>The services of every room, built for one command invocation.</summary>
    public ServiceProvider CreateServices(CryptoEngine engine, bool verbose = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton(Time);
        services.AddSingleton(this);
        services.AddLogging(logging => logging
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning)
            // sync and plan print the engine's report, which carries every error and warning it logs: logging them too printed each twice.
            .AddFilter(typeof(SyncEngine).FullName, verbose ? LogLevel.Debug : LogLevel.None)
            .AddProvider(new TextWriterLoggerProvider(Error, verbose ? LogLevel.Debug : LogLevel.Warning, Time, timestamps: false)));
        services.AddSealing(engine);
        services.AddKeys();
        services.AddSync();
        services.AddGit(GetEnvironmentVariable);
        Kubernetes.KubernetesServiceCollectionExtensions.AddKubernetes(services);
        services.AddDirectoryTarget();
        WriteBack.WriteBackServiceCollectionExtensions.AddWriteBack(services);
        ConfigureServices?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
