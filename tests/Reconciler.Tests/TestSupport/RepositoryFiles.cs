using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>Files of this repository (deploy/, .github/, Dockerfile, the build script), found from the test binary's folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = Locate();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Text(string relative)
    {
        var path = Path(relative);
        File.Exists(path).ShouldBeTrue($"{relative} is missing from the repository");
        return File.ReadAllText(path);
    }

    /// <summary>The documents of a YAML or JSON file, read by the product's own manifest reader.</summary>
    public static IReadOnlyList<JsonObject> Documents(string relative)
    {
        var path = Path(relative);
        File.Exists(path).ShouldBeTrue($"{relative} is missing from the repository");
        return ManifestReader.ReadFile(path, relative)
            .Where(d => d.Root is not null)
            .Select(d => d.Root as JsonObject ?? throw new ShouldAssertException($"{relative}: document {d.Location.Document} is not a mapping"))
            .ToList();
    }

    /// <summary>The single document of a YAML or JSON file.</summary>
    public static JsonObject Document(string relative) => Documents(relative).ShouldHaveSingleItem($"{relative} must hold one document");

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "GitOpsSecrets.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"GitOpsSecrets.sln not found above {AppContext.BaseDirectory}");
    }
}
