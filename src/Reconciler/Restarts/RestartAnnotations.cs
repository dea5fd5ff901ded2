namespace GitOpsSecrets.Restarts;

/// <summary>The annotations of workload restarts (DESIGN.md, "Labels and annotations we own").</summary>
public static class RestartAnnotations
{
    /// <summary>On a Deployment, StatefulSet or DaemonSet: <c>"true"</c> (every Secret it uses) or a comma list of Secret names.</summary>
    public const string OptIn = "gitops-secrets.io/restart-on-change";

    /// <summary>On the pod template: the hash of the Secret data the pods use; a new value rolls the workload.</summary>
    public const string SecretsHash = "gitops-secrets.io/secrets-hash";
}
