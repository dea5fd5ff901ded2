using System.Text.Json.Nodes;

namespace GitOpsSecrets.Secrets;

/// <summary>
/// The metadata of a Secret (or a SealedSecret's template): name, namespace, labels, annotations, and
/// any other field kept as it was written (finalizers, generateName, …) so nothing a user wrote is lost.
/// </summary>
public sealed class ObjectMetadata
{
    /// <summary>Fields the API server sets; they are never copied from an input into something we write.</summary>
    public static readonly IReadOnlySet<string> ServerSetFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink", "ownerReferences",
    };

    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public SortedDictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Annotations { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Other metadata fields, verbatim.</summary>
    public JsonObject Other { get; init; } = [];

    public ObjectMetadata Clone() => new()
    {
        Name = Name,
        Namespace = Namespace,
        Labels = new SortedDictionary<string, string>(Labels, StringComparer.Ordinal),
        Annotations = new SortedDictionary<string, string>(Annotations, StringComparer.Ordinal),
        Other = (JsonObject)Other.DeepClone(),
    };

    /// <summary>namespace/name, for messages.</summary>
    public string QualifiedName => string.IsNullOrEmpty(Namespace) ? Name ?? "(unnamed)" : $"{Namespace}/{Name ?? "(unnamed)"}";
}
