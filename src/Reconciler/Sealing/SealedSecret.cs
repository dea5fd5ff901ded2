using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sealing;

/// <summary>A <c>bitnami.com/v1alpha1</c> SealedSecret: who it is for, what it becomes, and its sealed values.</summary>
public sealed class SealedSecret
{
    public const string ApiVersion = "bitnami.com/v1alpha1";
    public const string Kind = "SealedSecret";

    /// <summary>Top-level metadata: the name, namespace and scope annotations that the label binds.</summary>
    public ObjectMetadata Metadata { get; init; } = new();

    public SecretTemplate Template { get; init; } = new();

    /// <summary>Key → base64 sealed value.</summary>
    public SortedDictionary<string, string> EncryptedData { get; init; } = new(StringComparer.Ordinal);

    public SealingScope Scope => SealingScopes.FromAnnotations(Metadata.Annotations);

    public byte[] Label => SealingScopes.Label(Scope, Metadata.Namespace, Metadata.Name);

    public SealedSecret Clone() => new()
    {
        Metadata = Metadata.Clone(),
        Template = Template.Clone(),
        EncryptedData = new SortedDictionary<string, string>(EncryptedData, StringComparer.Ordinal),
    };
}

/// <summary><c>spec.template</c>: the metadata, type and templated data of the Secret to create.</summary>
public sealed class SecretTemplate
{
    public ObjectMetadata Metadata { get; init; } = new();

    public string? Type { get; set; }

    public bool? Immutable { get; set; }

    /// <summary>Key → Go-template text rendered with the unsealed values (<c>{{ .key }}</c>).</summary>
    public SortedDictionary<string, string> Data { get; init; } = new(StringComparer.Ordinal);

    public SecretTemplate Clone() => new()
    {
        Metadata = Metadata.Clone(),
        Type = Type,
        Immutable = Immutable,
        Data = new SortedDictionary<string, string>(Data, StringComparer.Ordinal),
    };
}
