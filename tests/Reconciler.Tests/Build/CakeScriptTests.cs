using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.Deploy;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Build;

/// <summary>The Cake build script and its pinned tool (the targets themselves are run by hand and in CI's docker job).</summary>
public sealed partial class CakeScriptTests
{
    private const string Script = "src/Build/build.cake";

    private readonly string _script = RepositoryFiles.Text(Script);

    [GeneratedRegex("""Task\("(?<name>\w+)"\)""")]
    private static partial Regex TaskDefinition();

    [Fact]
    public void ToolManifest_PinsCakeTool7()
    {
        var manifest = RepositoryFiles.Document(".config/dotnet-tools.json");
        var cake = manifest.Obj("tools")["cake.tool"].ShouldBeOfType<JsonObject>();

        manifest.Str("isRoot").ShouldBe("true");
        cake.Str("version").ShouldBe("7.0.0");
        cake.Strings("commands").ShouldBe(["dotnet-cake"]);
    }

    [Fact]
    public void Script_DefinesEveryTarget_WithTestAsTheDefault()
    {
        var tasks = TaskDefinition().Matches(_script).Select(m => m.Groups["name"].Value).ToList();

        tasks.ShouldBe(["Clean", "Restore", "Build", "Test", "Pack", "Publish", "Docker", "Reseal", "GenerateSecrets", "Default"], ignoreOrder: true);
        tasks.Distinct().Count().ShouldBe(tasks.Count, "a target is defined once");
        Target("Default").ShouldContain(""".IsDependentOn("Test")""");
        _script.ShouldContain("""Argument("target", "Default")""");
        _script.TrimEnd().ShouldContain("RunTarget(target);");
    }

    [Fact]
    public void Test_IsTheReadmesTestCommand_InRelease()
    {
        _script.ShouldContain("""Argument("configuration", "Release")""");
        Target("Test").ShouldContain("DotNetTest(solution.FullPath");
        Target("Build").ShouldContain("DotNetBuild(solution.FullPath");
        _script.ShouldContain("""root.CombineWithFilePath("GitOpsSecrets.sln")""");
        RepositoryFiles.Text("README.md").ShouldContain("dotnet test GitOpsSecrets.sln");
    }

    [Fact]
    public void Publish_IsTheSameShapeTheDockerfileBuilds()
    {
        var publish = Target("Publish");
        var dockerfile = RepositoryFiles.Text("Dockerfile");

        publish.ShouldContain("PublishSingleFile = true");
        publish.ShouldContain("SelfContained = false");
        _script.ShouldContain("""var runtime = "linux-x64";""");
        dockerfile.ShouldContain("--self-contained false -p:PublishSingleFile=true");
        dockerfile.ShouldContain("--runtime linux-x64");
    }

    [Fact]
    public void Pack_PacksTheProductAsATool_IntoArtifactsPackages()
    {
        var pack = Target("Pack");
        var project = RepositoryFiles.Text("src/Reconciler/Reconciler.csproj");

        pack.ShouldContain("DotNetPack(product.FullPath");
        pack.ShouldContain("OutputDirectory = packagesDir");
        pack.ShouldContain("$\"GitOpsSecrets.{version}.nupkg\"", Case.Sensitive, "Pack checks that the package it announces exists");
        _script.ShouldContain("""var packagesDir = artifacts.Combine("packages");""");
        project.ShouldContain("<PackAsTool>true</PackAsTool>");
        project.ShouldContain("<ToolCommandName>gitops-secrets</ToolCommandName>");
        project.ShouldContain("<PackageId>GitOpsSecrets</PackageId>");
    }

    [Fact]
    public void Docker_SkipsWithAMessageWhenNoEngineAnswers_UnlessRequired()
    {
        var docker = Target("Docker");

        docker.ShouldContain("""Run("docker", "info", root, quiet: true) != 0""");
        docker.ShouldContain("Docker: skipped");
        docker.ShouldContain("GITOPS_SECRETS_REQUIRE_DOCKER");
        docker.ShouldContain("--file Dockerfile");
    }

    [Fact]
    public void Reseal_RunsTheProductsResealWithCommitAndPush_FromTheEnvironment()
    {
        var reseal = Target("Reseal");

        reseal.ShouldContain(""".IsDependentOn("Publish")""");
        reseal.ShouldContain(""".Append("reseal")""");
        reseal.ShouldContain(""".Append("--commit").Append("--push")""");
        foreach (var variable in new[] { "GITOPS_SECRETS_RESEAL_PATHS", "GITOPS_SECRETS_KEYS", "GITOPS_SECRETS_CONTROLLER_URL", "GITOPS_SECRETS_CONTROLLER_NAME", "GITOPS_SECRETS_GIT_AUTHOR" })
        {
            reseal.ShouldContain($"\"{variable}\"");
        }

        // Every variable the reseal workflow hands to the Cake step is one the target reads.
        var workflow = RepositoryFiles.Documents(".github/workflows/reseal.yml").Single();
        var step = workflow.Obj("jobs").Select(j => j.Value!).SelectMany(j => j.Arr("steps")).Single(s => (s!.Str("run") ?? string.Empty).Contains("--target=Reseal", StringComparison.Ordinal))!;
        foreach (var (variable, _) in step.Obj("env"))
        {
            _script.ShouldContain($"\"{variable}\"", Case.Sensitive, $"reseal.yml sets {variable}, which build.cake never reads");
        }
    }

    [Fact]
    public void GenerateSecrets_RunsTheProductsGenerateSecrets()
    {
        var generate = Target("GenerateSecrets");

        generate.ShouldContain(""".Append("generate-secrets")""");
        generate.ShouldContain(""".Append("--spec")""");
        generate.ShouldContain(""".Append("-w")""");
        generate.ShouldContain(""".Append("--cert")""");
    }

    /// <summary>The text of one target's definition: from its Task( to the next Task( or RunTarget.</summary>
    private string Target(string name)
    {
        var start = _script.IndexOf($"Task(\"{name}\")", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"{Script} has no {name} target");
        var next = _script.IndexOf("Task(\"", start + 1, StringComparison.Ordinal);
        var end = next < 0 ? _script.IndexOf("RunTarget(", start, StringComparison.Ordinal) : next;
        return _script[start..end];
    }
}
