namespace GitOpsSecrets.Restarts;

/// <summary>A workload kind we roll: the apps/v1 kinds whose pod template a changed annotation rolls.</summary>
public enum WorkloadKind
{
    Deployment,
    StatefulSet,
    DaemonSet,
}

/// <summary>One workload's identity.</summary>
public readonly record struct WorkloadId(WorkloadKind Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}

/// <summary>
/// How a pod template uses one Secret: the whole Secret (a volume without items, envFrom,
/// imagePullSecrets, or a Secret named in the opt-in list) or only some keys (env valueFrom, volume items).
/// </summary>
public sealed record SecretUse(string SecretName, IReadOnlySet<string>? Keys)
{
    public bool WholeSecret => Keys is null;

    public static SecretUse Whole(string secretName) => new(secretName, null);

    public static SecretUse Only(string secretName, params string[] keys) => new(secretName, keys.ToHashSet(StringComparer.Ordinal));
}

/// <summary>
/// What the decision needs of a workload, read by the target that holds it: its opt-in annotation, the
/// hash it was last rolled for (our pod-template annotation), and every Secret use of its pod template.
/// </summary>
public sealed record Workload(WorkloadId Id, string? OptIn, string? AppliedHash, IReadOnlyList<SecretUse> Uses)
{
    /// <summary>The object's uid, for Events about it; null when unknown.</summary>
    public string? Uid { get; init; }
}
