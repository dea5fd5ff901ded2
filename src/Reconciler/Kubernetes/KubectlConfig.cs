using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// The client configuration kubectl would use for a person's own commands: <c>--kubeconfig</c>, else
/// every file of <c>$KUBECONFIG</c> merged (a colon list, first file wins, as kubectl merges), else
/// <c>~/.kube/config</c>, else the in-cluster service account; <c>--context</c> picks the context.
/// The environment comes from the caller (the CLI's host), never from the process directly.
/// </summary>
public static class KubectlConfig
{
    public static KubernetesClientConfiguration Resolve(string? kubeconfig, string? context, Func<string, string?> environment)
    {
        if (kubeconfig is not null)
        {
            return KubernetesClients.Configure(kubeconfig, context);
        }

        var listed = environment("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        var files = listed.Where(File.Exists).ToList();
        if (files.Count == 1)
        {
            return KubernetesClients.Configure(files[0], context);
        }

        if (files.Count > 1)
        {
            return Merged(files, context);
        }

        if (listed.Length == 0 && environment("HOME") is { } home && Path.Combine(home, ".kube", "config") is var own && File.Exists(own))
        {
            return KubernetesClients.Configure(own, context);
        }

        if (context is null && KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        throw new InputException("no kubeconfig: pass --kubeconfig, set $KUBECONFIG, or create ~/.kube/config");
    }

    /// <summary>kubectl's merge: the first file to set a value wins, and entries are matched by name.</summary>
    private static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> configs) => new()
    {
        ApiVersion = "v1",
        Kind = "Config",
        CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c)),
        Clusters = [.. configs.SelectMany(c => c.Clusters ?? []).DistinctBy(c => c.Name)],
        Users = [.. configs.SelectMany(c => c.Users ?? []).DistinctBy(u => u.Name)],
        Contexts = [.. configs.SelectMany(c => c.Contexts ?? []).DistinctBy(c => c.Name)],
    };

    private static KubernetesClientConfiguration Merged(IReadOnlyList<string> files, string? context)
    {
        var where = $"$KUBECONFIG ({string.Join(Path.PathSeparator, files)})";
        try
        {
            var configs = files.Select(f => KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(f))).ToList();
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(configs), context);
        }
        catch (KubeConfigException e)
        {
            throw new InputException($"{where}{(context is null ? string.Empty : $", context {context}")}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or FormatException or YamlDotNet.Core.YamlException)
        {
            throw new InputException($"{where}: unreadable ({e.Message})", e);
        }
    }
}
