namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// A test against a real Kubernetes cluster: it runs only when GITOPS_SECRETS_E2E_KUBECONFIG names a
/// kubeconfig (CI's kind job sets it), and otherwise shows as skipped with the reason, never as passed.
/// </summary>
public sealed class RealClusterFactAttribute : FactAttribute
{
    public const string Variable = "GITOPS_SECRETS_E2E_KUBECONFIG";

    public RealClusterFactAttribute()
    {
        if (string.IsNullOrEmpty(Kubeconfig))
        {
            Skip = $"real-cluster suite: set {Variable} to a kubeconfig to run it (the kind job in .github/workflows/ci.yml does)";
        }
    }

    public static string? Kubeconfig => Environment.GetEnvironmentVariable(Variable);
}
