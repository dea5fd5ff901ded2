using System.Text.Json;
using System.Text.Json.Serialization;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Targets.Directories;

/// <summary>
/// What we keep beside every Secret we write to a directory (<see cref="DirectoryLayout.SidecarFile"/>):
/// the stamp, type, immutability, labels, annotations and one hash per key. Hashes only, never values.
/// Its presence (valid, and naming this very namespace/name) is what makes a directory ours.
/// </summary>
internal sealed class SidecarRecord
{
    public const string CurrentFormat = "gitops-secrets.io/directory-target/v1";

    public string? Format { get; set; }

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    public SidecarStamp? Stamp { get; set; }

    public string? Type { get; set; }

    public bool Immutable { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public Dictionary<string, string>? KeyHashes { get; set; }

    public static SidecarRecord For(SecretWrite write) => new()
    {
        Format = CurrentFormat,
        Namespace = write.Id.Namespace,
        Name = write.Id.Name,
        Stamp = new SidecarStamp
        {
            SealedHash = write.Stamp.SealedHash,
            DataHash = write.Stamp.DataHash,
            Source = write.Stamp.Source,
            Revision = write.Stamp.Revision,
        },
        Type = write.Secret.Type,
        Immutable = write.Secret.Immutable ?? false,
        Labels = WithoutOurs(write.Secret.Metadata.Labels),
        Annotations = WithoutOurs(write.Secret.Metadata.Annotations),
        KeyHashes = new Dictionary<string, string>(SecretHashes.KeyHashes(write.Secret.Data), StringComparer.Ordinal),
    };

    public AppliedStamp? AppliedStamp =>
        Stamp is { SealedHash: { } sealedHash, DataHash: { } dataHash } stamp
            ? new AppliedStamp(sealedHash, dataHash, stamp.Source ?? string.Empty, stamp.Revision ?? string.Empty)
            : null;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, SidecarJsonContext.Default.SidecarRecord);

    /// <summary>Reads a sidecar; <see cref="SidecarRead.Broken"/> when it is not one we could have written.</summary>
    public static SidecarRead Parse(ReadOnlySpan<byte> json)
    {
        SidecarRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(json, SidecarJsonContext.Default.SidecarRecord);
        }
        catch (JsonException)
        {
            return SidecarRead.Broken;
        }

        return record is { Format: CurrentFormat, Namespace: not null, Name: not null, KeyHashes: not null, AppliedStamp: not null }
            ? new SidecarRead(record)
            : SidecarRead.Broken;
    }

    private static Dictionary<string, string> WithoutOurs(IReadOnlyDictionary<string, string> entries) =>
        entries.Where(p => !ManagedMetadata.IsOurs(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}

internal sealed class SidecarStamp
{
    public string? SealedHash { get; set; }

    public string? DataHash { get; set; }

    public string? Source { get; set; }

    public string? Revision { get; set; }
}

/// <summary>A sidecar as read: a valid record, or one that is ours by name but cannot be understood.</summary>
internal sealed record SidecarRead(SidecarRecord? Record)
{
    public static readonly SidecarRead Broken = new((SidecarRecord?)null);

    public bool IsValid => Record is not null;

    public bool Names(SecretId id) => Record is null || (Record.Namespace == id.Namespace && Record.Name == id.Name);

    public string Type => Record?.Type ?? Secret.DefaultType;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SidecarRecord))]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;
