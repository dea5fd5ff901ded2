using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>run</c>'s sources (<c>--source git|cluster</c>) and the flags users already pass to Bitnami's
/// controller that mean something for ours (see docs/controller.md).
/// </summary>
public sealed class ControllerModeOptions
{
    public Option<string[]> Source { get; } = new("--source") { Description = "Sources to run, repeatable or comma-separated: git (the repository, default) and/or cluster (SealedSecret resources in the cluster, Bitnami's controller mode) (sources)", HelpName = "git|cluster" };

    public Option<bool?> UpdateStatus { get; } = new("--update-status") { Description = "cluster source: write status.conditions and observedGeneration of SealedSecrets, default true (sources.cluster.updateStatus)" };

    public Option<bool?> AllNamespaces { get; } = new("--all-namespaces") { Description = "cluster source: watch every namespace (default true); false: only the worker's namespace and --additional-namespaces (sources.cluster.namespaces)" };

    public Option<string?> AdditionalNamespaces { get; } = new("--additional-namespaces") { Description = "cluster source: comma-separated namespaces watched besides the worker's own when --all-namespaces=false (sources.cluster.namespaces)" };

    public Option<string?> KeyPrefix { get; } = new("--key-prefix") { Description = $"Bitnami's prefix of key Secret names; accepted for compatibility, only {KeySecrets.NamePrefix} (keys are found by their label whatever their names)" };

    public IEnumerable<Option> All => [Source, UpdateStatus, AllNamespaces, AdditionalNamespaces, KeyPrefix];

    public void Apply(ParseResult parse, WorkerConfiguration configuration, string? podNamespace)
    {
        if (parse.GetValue(KeyPrefix) is { } prefix && prefix != KeySecrets.NamePrefix)
        {
            throw new UsageException($"--key-prefix: only \"{KeySecrets.NamePrefix}\" is supported (new keys are named {KeySecrets.NamePrefix}XXXXX; existing keys are found by their label, whatever their names)");
        }

        var sources = (parse.GetValue(Source) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (sources.FirstOrDefault(s => s is not ("git" or "cluster")) is { } unknown)
        {
            throw new UsageException($"--source: \"{unknown}\" is not a source (git, cluster)");
        }

        if (sources.Count > 0)
        {
            configuration.GitEnabled = sources.Contains("git");
            if (sources.Contains("cluster"))
            {
                configuration.Cluster ??= new ClusterSourceConfiguration();
            }
            else
            {
                configuration.Cluster = null;
            }
        }

        var cluster = configuration.Cluster;
        var updateStatus = parse.GetValue(UpdateStatus);
        var allNamespaces = parse.GetValue(AllNamespaces);
        var additional = parse.GetValue(AdditionalNamespaces);
        if (cluster is null)
        {
            if (updateStatus is not null || allNamespaces is not null || additional is not null)
            {
                throw new UsageException("--update-status, --all-namespaces and --additional-namespaces need the cluster source (--source cluster, or sources.cluster in the configuration file)");
            }

            return;
        }

        // The cluster whose SealedSecrets are watched is the key store's unless the file names another.
        cluster.Kubeconfig ??= configuration.Keys.Kubeconfig;
        cluster.Context ??= configuration.Keys.Context;
        cluster.UpdateStatus = updateStatus ?? cluster.UpdateStatus;
        if (allNamespaces == false)
        {
            var own = podNamespace ?? configuration.Keys.ClusterNamespace ?? ControllerDefaults.Namespace;
            cluster.Namespaces = (additional ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Prepend(own).Distinct(StringComparer.Ordinal).ToList();
        }
        else if (additional is not null && allNamespaces is null)
        {
            throw new UsageException("--additional-namespaces needs --all-namespaces=false (as with Bitnami's controller, every namespace is watched by default)");
        }
        else if (allNamespaces == true)
        {
            cluster.Namespaces = [];
        }
    }
}
