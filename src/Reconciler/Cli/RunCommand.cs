using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Hosting;
using GitOpsSecrets.Worker;
using GitOpsSecrets.Worker.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>run</c>: the long-running worker. Takes every flag of <c>sync</c> (so it runs without a config
/// file) plus its own; syncs every interval, renews keys, serves the endpoints, until stopped.
/// </summary>
public sealed class RunCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    private readonly ConfigurationOptions _configuration = new();
    private readonly Option<bool> _leaderElect = new("--leader-elect") { Description = "Elect a leader through a coordination.k8s.io Lease; only the leader syncs and renews keys (worker.leaderElect)" };
    private readonly Option<string?> _listen = new("--listen", "--listen-addr") { Description = $"Address of the HTTP endpoints: HOST:PORT, :PORT (all interfaces) or an http:// URL; default :8080 (worker.listen)", HelpName = "address" };
    private readonly Option<string?> _leaseName = new("--lease-name") { Description = "Name of the Lease, default gitops-secrets-leader (worker.leaseName)" };
    private readonly Option<string?> _leaseNamespace = new("--lease-namespace") { Description = "Namespace of the Lease, default $POD_NAMESPACE, else the cluster key namespace, else " + ControllerDefaults.Namespace + " (worker.leaseNamespace)" };
    private readonly Option<string?> _syncHookTokenFile = new("--sync-hook-token-file") { Description = "File holding the bearer token POST /hooks/sync requires; without it the hook is off (worker.syncHookTokenFile)" };
    private readonly Option<string?> _publishCertificatePath = new("--publish-certificate-path") { Description = "After a key renewal, commit the new certificate to this repository path and push it (keys.publishCertificate.path)" };
    private readonly Option<string?> _publishCertificateBranch = new("--publish-certificate-branch") { Description = "Branch the certificate is committed to; default the source ref when it is a branch, else main (keys.publishCertificate.branch)" };

    private readonly ControllerModeOptions _controllerMode = new();

    public override Command Build()
    {
        var command = new Command("run", "Run the worker: sync every interval, renew keys, serve /healthz, /metrics, /status and Bitnami's /v1 endpoints");
        foreach (var option in _configuration.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(_leaderElect);
        command.Options.Add(_listen);
        command.Options.Add(_leaseName);
        command.Options.Add(_leaseNamespace);
        command.Options.Add(_syncHookTokenFile);
        command.Options.Add(_publishCertificatePath);
        command.Options.Add(_publishCertificateBranch);
        foreach (var option in _controllerMode.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(Handler((parse, services, ct) => RunAsync(parse, services, ct)));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var configuration = _configuration.Resolve(parse, Host, configuration =>
        {
            ApplyWorkerFlags(parse, configuration.Worker);
            ApplyPublishFlags(parse, configuration.Keys);
            _controllerMode.Apply(parse, configuration, Host.GetEnvironmentVariable("POD_NAMESPACE"));
            configuration.Worker.Listen = ListenAddress.TryToUrl(configuration.Worker.Listen, out var url)
                ? url
                : throw new UsageException($"--listen: \"{configuration.Worker.Listen}\" is not an address (examples: {ListenAddress.Examples})");
        });

        var identity = Host.GetEnvironmentVariable("POD_NAME") ?? Host.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName;
        await using var app = WorkerHost.Build(configuration, new WorkerHostOptions
        {
            Log = Host.Error,
            Verbose = parse.GetValue(Shared.Verbose),
            Identity = $"{identity}_{Guid.NewGuid().ToString("N")[..8]}",
            GetEnvironmentVariable = Host.GetEnvironmentVariable,
            Time = Host.Time,
            // The rooms as this invocation set them up (crypto engine, environment, a test's replacements);
            // the worker's container registers them itself.
            Rooms = services.GetRequiredService<RoomSetup>(),
        });
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Success;
    }

    /// <summary>A path flag turns publishing on; a branch flag alone only adjusts a file that already turns it on.</summary>
    private void ApplyPublishFlags(ParseResult parse, KeysConfiguration keys)
    {
        var path = parse.GetValue(_publishCertificatePath);
        var branch = parse.GetValue(_publishCertificateBranch);
        if (path is not null)
        {
            keys.PublishCertificate ??= new PublishCertificateConfiguration();
            keys.PublishCertificate.Path = path;
        }

        if (branch is not null)
        {
            var publish = keys.PublishCertificate
                ?? throw new UsageException("--publish-certificate-branch needs --publish-certificate-path (or keys.publishCertificate in the configuration file)");
            publish.Branch = branch;
        }
    }

    private void ApplyWorkerFlags(ParseResult parse, WorkerSettings worker)
    {
        worker.LeaderElect |= parse.GetValue(_leaderElect);
        worker.Listen = parse.GetValue(_listen) ?? worker.Listen;
        worker.LeaseName = parse.GetValue(_leaseName) ?? worker.LeaseName;
        worker.LeaseNamespace = parse.GetValue(_leaseNamespace) ?? worker.LeaseNamespace;
        worker.SyncHookTokenFile = parse.GetValue(_syncHookTokenFile) ?? worker.SyncHookTokenFile;

        // In a pod the Lease lives next to the worker unless configured otherwise (the downward API sets POD_NAMESPACE).
        worker.LeaseNamespace ??= Host.GetEnvironmentVariable("POD_NAMESPACE");
    }
}
