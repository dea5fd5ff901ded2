using System.Text;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// How tightly a sealed value is bound to its Secret. The scope is the OAEP label: strict binds to
/// namespace and name, namespace-wide to the namespace, cluster-wide to nothing.
/// </summary>
public enum SealingScope
{
    Strict,
    NamespaceWide,
    ClusterWide,
}

public static class SealingScopes
{
    public const string NamespaceWideAnnotation = "sealedsecrets.bitnami.com/namespace-wide";
    public const string ClusterWideAnnotation = "sealedsecrets.bitnami.com/cluster-wide";

    /// <summary>The scope recorded in annotations; cluster-wide wins, and only the exact value "true" counts.</summary>
    public static SealingScope FromAnnotations(IReadOnlyDictionary<string, string> annotations) =>
        annotations.TryGetValue(ClusterWideAnnotation, out var cluster) && cluster == "true" ? SealingScope.ClusterWide
        : annotations.TryGetValue(NamespaceWideAnnotation, out var ns) && ns == "true" ? SealingScope.NamespaceWide
        : SealingScope.Strict;

    /// <summary>Sets the annotations for a scope, removing the other scope's (as kubeseal does).</summary>
    public static void Apply(IDictionary<string, string> annotations, SealingScope scope)
    {
        annotations.Remove(NamespaceWideAnnotation);
        annotations.Remove(ClusterWideAnnotation);
        switch (scope)
        {
            case SealingScope.NamespaceWide:
                annotations[NamespaceWideAnnotation] = "true";
                break;
            case SealingScope.ClusterWide:
                annotations[ClusterWideAnnotation] = "true";
                break;
        }
    }

    public static byte[] Label(SealingScope scope, string? @namespace, string? name) => scope switch
    {
        SealingScope.ClusterWide => [],
        SealingScope.NamespaceWide => Encoding.UTF8.GetBytes(@namespace ?? string.Empty),
        _ => Encoding.UTF8.GetBytes($"{@namespace}/{name}"),
    };

    public static string Format(SealingScope scope) => scope switch
    {
        SealingScope.NamespaceWide => "namespace-wide",
        SealingScope.ClusterWide => "cluster-wide",
        _ => "strict",
    };

    public static bool TryParse(string? text, out SealingScope scope)
    {
        scope = text?.ToLowerInvariant() switch
        {
            "strict" => SealingScope.Strict,
            "namespace-wide" => SealingScope.NamespaceWide,
            "cluster-wide" => SealingScope.ClusterWide,
            _ => (SealingScope)(-1),
        };
        return Enum.IsDefined(scope);
    }
}
