namespace GitOpsSecrets.Configuration;

/// <summary>
/// Where the worker lives in a cluster as deploy/ installs it, defined once for every command of ours
/// that has to find it or its keys (<c>keys generate --manifest</c>, <c>--keys cluster</c>,
/// <c>reseal</c> through the API proxy, the worker's Lease). <c>seal</c>'s kubeseal-compatible flags keep
/// kubeseal's own defaults instead, so kubeseal scripts behave as before.
/// </summary>
public static class ControllerDefaults
{
    public const string Namespace = "gitops-secrets";

    /// <summary>The Service in deploy/service.yaml: Bitnami's name, so kubeseal finds our worker too.</summary>
    public const string ServiceName = "sealed-secrets-controller";
}
