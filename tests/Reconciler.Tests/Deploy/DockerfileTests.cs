using System.Text.Json;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Deploy;

/// <summary>What hadolint and a reviewer would check, read from the Dockerfile (no container engine needed).</summary>
public sealed partial class DockerfileTests
{
    private readonly Dockerfile _dockerfile = new(RepositoryFiles.Text("Dockerfile"));

    [GeneratedRegex(@"^(?:--platform=\S+\s+)?(?<image>[^\s:@]+(?::(?<port>\d+)/[^\s:@]+)?)(?::(?<tag>[^\s@]+))?(?:@(?<digest>\S+))?(?:\s+AS\s+(?<stage>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [Fact]
    public void Dockerfile_IsMultiStage_BuildingWithTheSdkAndRunningOnTheAspNetRuntime()
    {
        _dockerfile.Stages.Count.ShouldBeGreaterThanOrEqualTo(2);
        var build = From(_dockerfile.Stages[0][0]);
        var runtime = From(_dockerfile.FinalStage[0]);

        build.Image.ShouldBe("mcr.microsoft.com/dotnet/sdk");
        build.Stage.ShouldNotBeNull("the build stage is named, for COPY --from");
        runtime.Image.ShouldBe("mcr.microsoft.com/dotnet/aspnet", "the worker needs the ASP.NET Core shared framework");
        _dockerfile.FinalStage.ShouldContain(i => i.Keyword == "COPY" && i.Arguments.StartsWith($"--from={build.Stage} ", StringComparison.Ordinal), "the runtime stage takes only the published output from the build stage");
    }

    [Fact]
    public void EveryBaseImage_HasAnExplicitTag_NeverLatest()
    {
        foreach (var from in _dockerfile.Stages.Select(s => s[0]))
        {
            var image = From(from);
            (image.Tag ?? image.Digest).ShouldNotBeNull($"line {from.Line}: {from.Arguments} has no tag");
            image.Tag.ShouldNotBe("latest", $"line {from.Line}");
        }
    }

    [Fact]
    public void RuntimeStage_RunsAsTheNonRootUserTheDeploymentExpects()
    {
        var user = _dockerfile.FinalStage.Last(i => i.Keyword == "USER").Arguments.Split(':')[0];

        user.ShouldBe(DeployManifests.PodSpec.Str("securityContext.runAsUser"), "the image user and the pod's runAsUser are the same uid");
        user.ShouldNotBe("0");
        _dockerfile.FinalStage.ShouldContain(i => i.Keyword == "RUN" && i.Arguments.Contains($"--uid {user}", StringComparison.Ordinal), "ssh needs a passwd entry for the uid");
        _dockerfile.FinalStage.FindLastIndex(i => i.Keyword == "USER").ShouldBeGreaterThan(_dockerfile.FinalStage.FindLastIndex(i => i.Keyword == "RUN"), "nothing runs as root after USER");
    }

    [Fact]
    public void RuntimeStage_HasAHealthcheckOnHealthz_ThatNeedsNoExtraTools()
    {
        var healthcheck = _dockerfile.FinalStage.Single(i => i.Keyword == "HEALTHCHECK");
        var command = healthcheck.Arguments[(healthcheck.Arguments.IndexOf("CMD ", StringComparison.Ordinal) + 4)..];
        var argv = JsonSerializer.Deserialize<string[]>(command)!;

        argv[0].ShouldBe("bash", "curl and wget are not in the image; bash's /dev/tcp is");
        argv[^1].ShouldContain("/dev/tcp/127.0.0.1/8080");
        argv[^1].ShouldContain("GET /healthz");
        argv[^1].ShouldContain(" 200 ");
    }

    [Fact]
    public void RuntimeStage_StartsTheWorkerWithTheDeploymentsConfigPath()
    {
        DeployManifests.ConfigMapConfig(out var configPath);
        var entrypoint = JsonSerializer.Deserialize<string[]>(_dockerfile.FinalStage.Single(i => i.Keyword == "ENTRYPOINT").Arguments)!;
        var cmd = JsonSerializer.Deserialize<string[]>(_dockerfile.FinalStage.Single(i => i.Keyword == "CMD").Arguments)!;

        entrypoint.ShouldBe(["gitops-secrets"]);
        cmd.ShouldBe(["run", "--config", configPath]);
        _dockerfile.FinalStage.ShouldContain(i => i.Keyword == "EXPOSE" && i.Arguments == "8080");
    }

    [Fact]
    public void Publish_IsOneFrameworkDependentFile_ExtractingToTheWritableTmp()
    {
        var publish = _dockerfile.Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        var env = string.Join(' ', _dockerfile.FinalStage.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));

        publish.ShouldContain("--runtime linux-x64");
        publish.ShouldContain("--self-contained false");
        publish.ShouldContain("-p:PublishSingleFile=true");
        env.ShouldContain("DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/", Case.Sensitive, "the root filesystem is read-only; /tmp is an emptyDir");
        DeployManifests.Container.Arr("volumeMounts").Select(m => m!.Str("mountPath")).ShouldContain("/tmp");
    }

    [Fact]
    public void RuntimeStage_InstallsTheSshClientLibgit2Runs()
    {
        _dockerfile.FinalStage.ShouldContain(i => i.Keyword == "RUN" && i.Arguments.Contains("openssh-client", StringComparison.Ordinal) && i.Arguments.Contains("rm -rf /var/lib/apt/lists", StringComparison.Ordinal));
    }

    [Fact]
    public void DockerIgnore_SendsOnlyTheProductAndRootBuildFiles()
    {
        var rules = RepositoryFiles.Text(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        rules[0].ShouldBe("**", "everything is excluded first");
        rules.ShouldContain("!src/Reconciler/**");
        rules.ShouldContain("**/bin");
        rules.ShouldContain("**/obj");
        foreach (var copied in _dockerfile.Instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            foreach (var source in copied.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                rules.Any(r => r == "!" + source || (r.EndsWith("/**", StringComparison.Ordinal) && ("!" + source).StartsWith(r[..^2], StringComparison.Ordinal)))
                    .ShouldBeTrue($"COPY {source} is excluded by .dockerignore");
            }
        }
    }

    private static (string Image, string? Tag, string? Digest, string? Stage) From(DockerInstruction from)
    {
        from.Keyword.ShouldBe("FROM");
        var match = FromLine().Match(from.Arguments);
        match.Success.ShouldBeTrue($"line {from.Line}: cannot read FROM {from.Arguments}");
        string? Group(string name) => match.Groups[name].Success ? match.Groups[name].Value : null;
        return (Group("image")!, Group("tag"), Group("digest"), Group("stage"));
    }
}
