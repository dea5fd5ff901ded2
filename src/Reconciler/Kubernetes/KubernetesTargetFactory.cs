using GitOpsSecrets.Configuration;
using GitOpsSecrets.Targets;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>Makes <c>kind: kubernetes</c> targets, sharing one client per kubeconfig and context.</summary>
public sealed class KubernetesTargetFactory(KubernetesClients clients, KubernetesRetryPolicy retry, TimeProvider time, ILoggerFactory loggers) : ITargetFactory
{
    public string Kind => "kubernetes";

    public ISecretTarget Create(TargetConfiguration configuration)
    {
        var client = clients.Get(configuration.Kubeconfig, configuration.Context);
        var options = new KubernetesTargetOptions
        {
            ForceConflicts = configuration.ForceConflicts,
            CreateNamespaces = configuration.CreateNamespaces,
            RestartWorkloads = configuration.RestartWorkloads,
            Retry = retry,
        };
        return new KubernetesTarget(configuration.Name, client, options, time, loggers.CreateLogger<KubernetesTarget>());
    }
}
