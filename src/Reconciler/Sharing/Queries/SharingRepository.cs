using GitOpsSecrets.Manifests;
using GitOpsSecrets.Reseal;

namespace GitOpsSecrets.Sharing;

/// <summary>The SharedSecrets and Teams of a repository (or a part of it), and what could not be read.</summary>
public sealed record SharingSnapshot(
    IReadOnlyList<LocatedSharedSecret> SharedSecrets,
    IReadOnlyDictionary<string, Team> Teams,
    IReadOnlyList<string> Problems);

/// <summary>
/// Reads every manifest file under a directory for the sharing kinds, offline, for the CLI's questions
/// (<c>shared get</c>, <c>shared who-can</c>). A file or document that cannot be read is a problem
/// (file, document, field), never a reason to guess.
/// </summary>
public static class SharingRepository
{
    public static SharingSnapshot Read(string root)
    {
        var secrets = new List<LocatedSharedSecret>();
        var teams = new List<LocatedTeam>();
        var problems = new List<string>();
        foreach (var file in ManifestFiles.Find([root]))
        {
            var display = Path.GetRelativePath(root, file);
            try
            {
                var found = SharingReader.ReadFile(file, display);
                secrets.AddRange(found.SharedSecrets);
                teams.AddRange(found.Teams);
                problems.AddRange(found.Errors.Select(e => e.Message));
            }
            catch (ManifestException e)
            {
                // A YAML file of another tool that is not even YAML: only a problem if it could hold our kinds.
                problems.Add(e.Message);
            }
        }

        var errors = new List<ManifestException>();
        var byName = SharingValidator.TeamsByName(teams, errors);
        problems.AddRange(errors.Select(e => e.Message));
        problems.AddRange(secrets.Select(s => SharingValidator.UnknownTeam(s, byName)).OfType<ManifestException>().Select(e => e.Message));
        return new SharingSnapshot(secrets, byName, problems);
    }

    /// <summary>
    /// The repository a file belongs to: the nearest directory above it with a <c>.git</c>, else the file's
    /// own directory; where <c>shared get FILE</c> looks for Teams.
    /// </summary>
    public static string RootOf(string file)
    {
        var start = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");
        for (var directory = start; directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".git")) || File.Exists(Path.Combine(directory.FullName, ".git")))
            {
                return directory.FullName;
            }
        }

        return start.FullName;
    }
}
