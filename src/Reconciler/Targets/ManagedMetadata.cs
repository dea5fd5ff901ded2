namespace GitOpsSecrets.Targets;

/// <summary>The label and annotations we own on every Secret we apply (DESIGN.md, "Labels and annotations we own").</summary>
public static class ManagedMetadata
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "gitops-secrets";
    public const string AnnotationPrefix = "gitops-secrets.io/";
    public const string SourceAnnotation = AnnotationPrefix + "source";
    public const string RevisionAnnotation = AnnotationPrefix + "revision";
    public const string SealedHashAnnotation = AnnotationPrefix + "sealed-hash";
    public const string DataHashAnnotation = AnnotationPrefix + "data-hash";

    /// <summary>On a SealedSecret: delete and recreate its immutable Secret when the data or type changed, instead of refusing.</summary>
    public const string RecreateImmutableAnnotation = AnnotationPrefix + "recreate-immutable";

    /// <summary>Bitnami's takeover annotations on a pre-existing Secret.</summary>
    public const string BitnamiManagedAnnotation = "sealedsecrets.bitnami.com/managed";
    public const string BitnamiPatchAnnotation = "sealedsecrets.bitnami.com/patch";

    public static IReadOnlyDictionary<string, string> StampAnnotations(AppliedStamp stamp) => new Dictionary<string, string>
    {
        [SourceAnnotation] = stamp.Source,
        [RevisionAnnotation] = stamp.Revision,
        [SealedHashAnnotation] = stamp.SealedHash,
        [DataHashAnnotation] = stamp.DataHash,
    };

    public static AppliedStamp? ReadStamp(IReadOnlyDictionary<string, string> annotations) =>
        annotations.TryGetValue(SealedHashAnnotation, out var sealedHash) && annotations.TryGetValue(DataHashAnnotation, out var dataHash)
            ? new AppliedStamp(sealedHash, dataHash, annotations.GetValueOrDefault(SourceAnnotation, string.Empty), annotations.GetValueOrDefault(RevisionAnnotation, string.Empty))
            : null;

    public static Takeover TakeoverOf(IReadOnlyDictionary<string, string> annotations) =>
        annotations.TryGetValue(BitnamiManagedAnnotation, out var managed) && managed == "true" ? Takeover.Replace
        : annotations.TryGetValue(BitnamiPatchAnnotation, out var patch) && patch == "true" ? Takeover.Patch
        : Takeover.None;

    /// <summary>True for keys we own (our label and annotation prefix), which diffs and drift checks leave out.</summary>
    public static bool IsOurs(string key) => key == ManagedByLabel || key.StartsWith(AnnotationPrefix, StringComparison.Ordinal);
}
