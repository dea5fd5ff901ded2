using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>A SharedSecret found in the repository, with the file it is in.</summary>
public sealed record SharedDocument(string Path, LocatedSharedSecret Located)
{
    public SharedSecret Secret => Located.Secret;

    public SourceLocation Location => Located.Location;

    public SecretId HomeId => new(Secret.HomeNamespace, Secret.Name);
}

/// <summary>What a target gets of the SharedSecrets: one copy per namespace, and what could not be made.</summary>
public sealed record FanOut(IReadOnlyList<DesiredSecret> Copies, IReadOnlyList<DiscoveryError> Errors, IReadOnlyList<string> Notes);

/// <summary>
/// Turns SharedSecrets into the Secrets a target must hold: each one's home namespace, its named
/// namespaces and the cluster's namespaces its selector matches now (so a namespace labelled later gets
/// it, and one that loses the label has its copy pruned as any Secret that left the repository). Every
/// copy carries the home SealedSecret, so the sync opens it once, with the home identity, for all copies.
/// A document that names an unknown team or a namespace the tenancy guard refuses yields no copy at all.
/// </summary>
public static class SharedFanOut
{
    /// <param name="namespaces">The target's namespaces and labels; null when the target has none to select from (a directory).</param>
    public static FanOut Expand(SyncTarget target, IEnumerable<SharedDocument> shared, IReadOnlyDictionary<string, Team> teams, IReadOnlyList<NamespaceInfo>? namespaces)
    {
        var copies = new List<DesiredSecret>();
        var errors = new List<DiscoveryError>();
        var notes = new List<string>();
        var grants = target.Target is IHasSharedAccess;
        foreach (var document in shared)
        {
            var secret = document.Secret;
            if (secret.Distribute.Targets.Count > 0 && !secret.Distribute.Targets.Contains(target.Name, StringComparer.Ordinal))
            {
                continue;
            }

            var what = $"{document.Location}: SharedSecret {document.HomeId}";
            if (SharingValidator.UnknownTeam(document.Located, teams) is { } unknownTeam)
            {
                errors.Add(new DiscoveryError(document.Path, document.Location, unknownTeam.Message, document.HomeId));
                continue;
            }

            var layout = SealedValueLayout.Check(secret.Sealed, expectedRsaBytes: null);
            if (layout.Count > 0)
            {
                errors.Add(new DiscoveryError(document.Path, document.Location, $"{what}: {string.Join("; ", layout.Distinct())}", document.HomeId));
                continue;
            }

            var selected = new List<string>();
            if (secret.Distribute.NamespaceSelector is { } selector)
            {
                if (namespaces is null)
                {
                    notes.Add($"{what}: spec.distribute.namespaceSelector is not applicable to {target.Target.Kind} target {target.Name} (it has no namespace labels); only the named namespaces get the secret");
                }
                else
                {
                    selected.AddRange(namespaces.Where(n => selector.Matches(n.Labels)).Select(n => n.Name));
                }
            }

            var landing = new[] { secret.HomeNamespace }.Concat(secret.Distribute.Namespaces).Concat(selected)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var refused = landing.Select(ns => target.Tenancy.Violation(document.Path, ns)).OfType<string>().ToList();
            if (refused.Count > 0)
            {
                errors.Add(new DiscoveryError(document.Path, document.Location, $"{what}: {string.Join("; ", refused)}; nothing of this document is applied to target {target.Name}", document.HomeId));
                continue;
            }

            if (!grants && secret.Access.Count > 0)
            {
                notes.Add($"{what}: spec.access is not applicable to {target.Target.Kind} target {target.Name} (no RBAC there); only the Secret is written");
            }

            if (!grants && secret.ImagePull is not null)
            {
                notes.Add($"{what}: spec.imagePull is not applicable to {target.Target.Kind} target {target.Name} (no ServiceAccounts there)");
            }

            var sealedHash = SealedHash.Compute(secret.Sealed);
            copies.AddRange(landing.Select(ns => new DesiredSecret(secret.Sealed, sealedHash, document.Path, document.Location) { FanOutNamespace = ns, Shared = secret }));
        }

        return new FanOut(copies, errors, notes);
    }
}
