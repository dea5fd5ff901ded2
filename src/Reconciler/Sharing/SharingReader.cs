using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Sharing;

/// <summary>A SharedSecret with the document it came from, so later checks can point at its fields.</summary>
public sealed record LocatedSharedSecret(SharedSecret Secret, ManifestDocument Document)
{
    public SourceLocation Location => Document.Location;
}

/// <summary>A Team with the document it came from.</summary>
public sealed record LocatedTeam(Team Team, ManifestDocument Document)
{
    public SourceLocation Location => Document.Location;
}

/// <summary>What one file's documents hold of the sharing kinds, and what could not be read.</summary>
public sealed record SharingFile(
    IReadOnlyList<LocatedSharedSecret> SharedSecrets,
    IReadOnlyList<LocatedTeam> Teams,
    IReadOnlyList<ManifestException> Errors);

/// <summary>
/// Picks SharedSecrets and Teams out of documents read by the Manifests room's bounded reader; other
/// kinds are ignored. A document that fails validation is one error (file, document, field) and yields
/// nothing, so nothing of it can be applied.
/// </summary>
public static class SharingReader
{
    /// <summary>The sharing documents of a file read within <paramref name="limits"/>; a file that cannot be parsed throws.</summary>
    public static SharingFile ReadFile(string path, string displayName, ManifestLimits? limits = null) =>
        Read(ManifestReader.ReadFile(path, displayName, limits));

    public static bool IsSharingDocument(ManifestDocument document) =>
        SharedSecretManifest.IsSharedSecret(document) || TeamManifest.IsTeam(document);

    public static SharingFile Read(IReadOnlyList<ManifestDocument> documents)
    {
        var secrets = new List<LocatedSharedSecret>();
        var teams = new List<LocatedTeam>();
        var errors = new List<ManifestException>();
        foreach (var document in documents)
        {
            try
            {
                if (SharedSecretManifest.IsSharedSecret(document))
                {
                    secrets.Add(new LocatedSharedSecret(SharedSecretManifest.Read(document), document));
                }
                else if (TeamManifest.IsTeam(document))
                {
                    teams.Add(new LocatedTeam(TeamManifest.Read(document), document));
                }
            }
            catch (ManifestException e)
            {
                errors.Add(e);
            }
        }

        return new SharingFile(secrets, teams, errors);
    }
}
