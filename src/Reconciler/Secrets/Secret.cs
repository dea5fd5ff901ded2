namespace GitOpsSecrets.Secrets;

/// <summary>
/// A Kubernetes Secret: metadata, type, immutability and data. Values are bytes and are never
/// formatted into strings by this class (no ToString of the data), so they cannot leak by accident.
/// </summary>
public sealed class Secret
{
    public const string DefaultType = SecretTypes.Opaque;

    public ObjectMetadata Metadata { get; init; } = new();

    public string Type { get; set; } = DefaultType;

    public bool? Immutable { get; set; }

    public SortedDictionary<string, byte[]> Data { get; init; } = new(StringComparer.Ordinal);

    public Secret Clone() => new()
    {
        Metadata = Metadata.Clone(),
        Type = Type,
        Immutable = Immutable,
        Data = new SortedDictionary<string, byte[]>(Data.ToDictionary(p => p.Key, p => (byte[])p.Value.Clone()), StringComparer.Ordinal),
    };

    public override string ToString() => $"Secret {Metadata.QualifiedName} ({Type}, keys: {string.Join(", ", Data.Keys)})";
}
