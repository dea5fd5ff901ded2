using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>A SealedSecret found in the repository: what it is, where it is, and its sealed hash.</summary>
public sealed record DesiredSecret(SealedSecret SealedSecret, string SealedHash, string Path, SourceLocation Location)
{
    public SecretId Id => new(FanOutNamespace ?? SealedSecret.Metadata.Namespace ?? string.Empty, SealedSecret.Metadata.Name ?? string.Empty);

    /// <summary>
    /// For a SharedSecret's copy: the namespace it lands in. The copy is opened with the home identity
    /// (<see cref="SealedSecret"/>'s own namespace and name), once for all copies, and written here.
    /// </summary>
    public string? FanOutNamespace { get; init; }

    /// <summary>The SharedSecret this copy comes from; null for a SealedSecret.</summary>
    public Sharing.SharedSecret? Shared { get; init; }

    /// <summary>
    /// The stamp's source: the repository path and document, counted from 1 like every message of ours
    /// ("(document 1)"), e.g. <c>apps/db.yaml#1</c>.
    /// </summary>
    public string Source => $"{Path}#{Location.Document + 1}";
}

/// <summary>A file that could not be read as manifests, or a document that is not a valid SealedSecret.</summary>
public sealed record DiscoveryError(string Path, SourceLocation Location, string Message, SecretId? Id = null);
