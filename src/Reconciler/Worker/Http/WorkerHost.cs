using GitOpsSecrets.Configuration;
using GitOpsSecrets.Logging;
using GitOpsSecrets.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Http;

/// <summary>
/// Builds the long-running worker: an ASP.NET Core application serving the endpoints on every replica,
/// a Quartz scheduler running the sync and key renewal jobs, and leader election deciding which
/// replica's jobs do work. Its container registers the rooms itself (<see cref="WorkerServiceCollectionExtensions.AddWorker"/>),
/// set up as the command's (<see cref="WorkerHostOptions.Rooms"/>), so the worker runs with exactly what
/// <c>sync</c> would use. Everything of ASP.NET Core stays in <c>Worker.Http</c>; the rest of the worker is plain Generic Host services.
/// </summary>
public static class WorkerHost
{
    /// <param name="configuration">Checked once, where the command line resolved it (<see cref="ConfigurationValidator"/>).</param>
    /// <param name="options">The process-level setup.</param>
    public static WebApplication Build(WorkerConfiguration configuration, WorkerHostOptions options)
    {
        var settings = configuration.Worker;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "gitops-secrets", Args = [] });
        builder.WebHost.UseUrls(settings.Listen);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        var level = options.Verbose ? LogLevel.Debug : LogLevel.Information;
        builder.Logging.ClearProviders()
            .SetMinimumLevel(level)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Quartz", LogLevel.Warning)
            .AddProvider(new TextWriterLoggerProvider(options.Log, level, options.Time, timestamps: true));

        builder.Services.AddWorker(configuration, options);
        builder.Services.AddWorkerRateLimits();
        options.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // Made now rather than at the first sync, so a bad target, source or key store configuration stops
        // the command with its one-line error instead of failing every run.
        app.Services.GetRequiredService<Keys.IKeyStore>();
        if (configuration.UsesGit)
        {
            app.Services.GetRequiredService<SyncEngine>();
        }

        app.MapWorkerEndpoints();
        app.MapWorkerUi(settings.Ui, options.GetEnvironmentVariable);

        // Said once the server is bound, with the real port: `worker.listen` may ask for port 0 (the
        // kernel picks a free one), and whoever started the worker learns where it listens from this line.
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation("Listening on {Addresses}", string.Join(", ", ListeningAddresses(app))));
        return app;
    }

    /// <summary>
    /// Where the endpoints listen, once the worker has started: the addresses Kestrel bound, so a
    /// <c>worker.listen</c> with port 0 reads back as the port the kernel picked.
    /// </summary>
    public static IReadOnlyList<Uri> ListeningAddresses(WebApplication app) =>
        app.Urls.Select(a => new Uri(a)).ToList();
}
