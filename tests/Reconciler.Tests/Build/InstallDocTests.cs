using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.Deploy;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Build;

/// <summary>docs/install.md names the Cake targets, files and CI artifacts that really exist.</summary>
public sealed class InstallDocTests
{
    private readonly string _doc = RepositoryFiles.Text("docs/install.md");

    [Fact]
    public void InstallDoc_NamesTheCiArtifactsTheWorkflowUploads()
    {
        var job = RepositoryFiles.Document(".github/workflows/ci.yml").Obj("jobs")["artifacts"].ShouldBeOfType<JsonObject>();
        var names = job.Arr("steps").OfType<JsonObject>().Select(s => s.Str("with.name")).OfType<string>().ToList();

        names.ShouldNotBeEmpty();
        foreach (var name in names)
        {
            _doc.ShouldContain($"`{name}`", Case.Sensitive, $"ci.yml uploads {name}; docs/install.md should say how to use it");
        }
    }

    [Fact]
    public void InstallDoc_CommandsUseTheCakeTargetsAndTheirOutputFolders()
    {
        var script = RepositoryFiles.Text("src/Build/build.cake");

        foreach (var target in new[] { "Pack", "Publish" })
        {
            _doc.ShouldContain($"dotnet cake src/Build/build.cake --target={target}");
            script.ShouldContain($"Task(\"{target}\")");
        }

        _doc.ShouldContain("dotnet tool install --global --add-source artifacts/packages GitOpsSecrets");
        _doc.ShouldContain("artifacts/publish/gitops-secrets");
        script.ShouldContain("""var packagesDir = artifacts.Combine("packages");""");
        script.ShouldContain("""var publishDir = artifacts.Combine("publish");""");
        script.ShouldContain("""publishDir.CombineWithFilePath("gitops-secrets")""");
    }
}
