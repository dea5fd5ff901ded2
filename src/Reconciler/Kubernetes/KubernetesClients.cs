using System.Collections.Concurrent;
using k8s;
using k8s.Exceptions;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// One long-lived client per cluster (kubeconfig file and context), shared by every target and key
/// store that names it: a client per call would leak sockets and handlers.
/// </summary>
public sealed class KubernetesClients : IDisposable
{
    private readonly ConcurrentDictionary<(string? Kubeconfig, string? Context), Lazy<IKubernetes>> _clients = new();

    /// <summary>
    /// The client for a kubeconfig and context; with neither, the in-cluster configuration when running
    /// in a pod, else the default kubeconfig (<c>KUBECONFIG</c>, then <c>~/.kube/config</c>).
    /// </summary>
    public IKubernetes Get(string? kubeconfig, string? context) =>
        _clients.GetOrAdd((kubeconfig, context), key => new Lazy<IKubernetes>(() => new k8s.Kubernetes(Configure(key.Kubeconfig, key.Context)))).Value;

    public static KubernetesClientConfiguration Configure(string? kubeconfig, string? context)
    {
        var where = kubeconfig is null ? "the default kubeconfig" : $"kubeconfig {kubeconfig}";
        try
        {
            if (kubeconfig is null && context is null && KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }

            if (kubeconfig is not null && !File.Exists(kubeconfig))
            {
                throw new InputException($"{where}: no such file");
            }

            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, context);
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

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }

        _clients.Clear();
    }
}
