namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// A test against a real Kubernetes API server. It runs when GITOPS_SECRETS_E2E_KUBECONFIG names a
/// kubeconfig (<c>tests/cluster/cluster.sh up</c> prints it; CI's kind job sets it) or when
/// GITOPS_SECRETS_E2E_CLUSTER=up asks the suite to start and stop the loopback control plane itself;
/// otherwise it shows as skipped with the command that enables it, never as passed.
/// </summary>
public sealed class RealClusterFactAttribute : FactAttribute
{
    public RealClusterFactAttribute()
    {
        if (!RealCluster.IsConfigured)
        {
            Skip = RealCluster.HowToEnable;
        }
    }
}
