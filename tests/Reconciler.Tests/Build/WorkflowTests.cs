using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.Deploy;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Build;

/// <summary>The GitHub Actions workflows, parsed as YAML: triggers, permissions, and that each job runs what it claims.</summary>
public sealed partial class WorkflowTests
{
    private const string Ci = ".github/workflows/ci.yml";
    private const string Reseal = ".github/workflows/reseal.yml";
    private const string BotAuthor = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>";

    [GeneratedRegex(@"^[\w.-]+/[\w.-]+(/[\w./-]+)?@v\d+$")]
    private static partial Regex MajorVersionPin();

    public static TheoryData<string> Workflows() => new([Ci, Reseal]);

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryAction_IsPinnedToAMajorVersion(string workflow)
    {
        var uses = Steps(RepositoryFiles.Document(workflow)).Select(s => s.Str("uses")).OfType<string>().ToList();

        uses.ShouldNotBeEmpty();
        uses.ShouldAllBe(u => MajorVersionPin().IsMatch(u), $"{workflow}: actions are pinned as owner/name@vN");
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryJob_RunsOnAPinnedUbuntu_WithATimeout(string workflow)
    {
        foreach (var (name, job) in Jobs(RepositoryFiles.Document(workflow)))
        {
            job.Str("runs-on").ShouldStartWith("ubuntu-2", Case.Sensitive, $"{workflow} job {name}: a pinned runner image, not ubuntu-latest");
            job.Str("timeout-minutes").ShouldNotBeNull($"{workflow} job {name}: timeout-minutes");
        }
    }

    [Fact]
    public void Ci_RunsOnPushAndPullRequest_ReadOnly()
    {
        var ci = RepositoryFiles.Document(Ci);

        Triggers(ci).Select(p => p.Key).ShouldBe(["push", "pull_request"], ignoreOrder: true);
        ci.Obj("permissions").Select(p => $"{p.Key}: {p.Value}").ShouldBe(["contents: read"]);
    }

    [Fact]
    public void Ci_BuildTestJob_RunsCiRunWithDotnet10Node20AndSshd()
    {
        var job = Jobs(RepositoryFiles.Document(Ci))["build-test"];
        var steps = job.Arr("steps").OfType<JsonObject>().ToList();

        steps.ShouldContain(s => s.Str("uses")!.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal) && s.Str("with.dotnet-version")!.StartsWith("10.", StringComparison.Ordinal));
        steps.ShouldContain(s => s.Str("uses")!.StartsWith("actions/setup-node@", StringComparison.Ordinal) && s.Str("with.node-version") == "20");
        steps.ShouldContain(s => (s.Str("run") ?? string.Empty).Contains("apt-get install", StringComparison.Ordinal) && s.Str("run")!.Contains("openssh-server", StringComparison.Ordinal));
        steps.ShouldContain(s => Regex.IsMatch(s.Str("run") ?? string.Empty, @"(^|\s)(bash )?\.ci/run\b"), "the job runs the project's CI entry point");
        File.Exists(RepositoryFiles.Path(".ci/run")).ShouldBeTrue();
    }

    [Fact]
    public void Ci_ArtifactsJob_PacksPublishesInstallsAndUploadsBoth()
    {
        var job = Jobs(RepositoryFiles.Document(Ci))["artifacts"];
        var steps = job.Arr("steps").OfType<JsonObject>().ToList();
        var run = RunText(job);
        var uploads = steps.Where(s => (s.Str("uses") ?? string.Empty).StartsWith("actions/upload-artifact@", StringComparison.Ordinal)).ToList();

        run.ShouldContain("dotnet tool restore");
        run.ShouldContain("dotnet cake src/Build/build.cake --target=Pack");
        run.ShouldContain("dotnet cake src/Build/build.cake --target=Publish");
        run.ShouldContain("dotnet tool install --tool-path \"$RUNNER_TEMP/tool\" --add-source artifacts/packages GitOpsSecrets", Case.Sensitive, "the job installs the package as docs/install.md says");
        run.ShouldContain("\"$RUNNER_TEMP/tool/gitops-secrets\" --version");
        run.ShouldContain("artifacts/publish/gitops-secrets --version");
        uploads.Select(u => u.Str("with.path")).ShouldBe(["artifacts/packages/*.nupkg", "artifacts/publish/gitops-secrets"], ignoreOrder: true);
        uploads.ShouldAllBe(u => u.Str("with.if-no-files-found") == "error", "a missing artifact fails the job");
        uploads.Select(u => u.Str("with.name")).Distinct().Count().ShouldBe(2, "each artifact has its own name");
    }

    [Fact]
    public void Ci_FormatJob_VerifiesWithoutChanging()
    {
        var run = RunText(Jobs(RepositoryFiles.Document(Ci))["format"]);

        run.ShouldContain("dotnet format GitOpsSecrets.sln");
        run.ShouldContain("--verify-no-changes");
    }

    [Fact]
    public void Ci_KindJob_RunsTheE2ESuiteAgainstTheClusterAndChecksItRan()
    {
        var job = Jobs(RepositoryFiles.Document(Ci))["kind"];
        var steps = job.Arr("steps").OfType<JsonObject>().ToList();
        var run = RunText(job);

        var kind = steps.Where(s => s.Str("uses")?.StartsWith("helm/kind-action@", StringComparison.Ordinal) == true).ShouldHaveSingleItem();
        kind.Str("with.config").ShouldBe("tests/cluster/kind.yaml", "the kind cluster keeps an audit log for the E2E scenarios that read it");
        run.ShouldContain("GITOPS_SECRETS_E2E_KUBECONFIG=\"$HOME/.kube/config\"");
        run.ShouldContain("--filter Category=E2E");
        run.ShouldContain("[ \"${executed:-0}\" -eq \"${total:-0}\" ]", Case.Sensitive, "a run where any E2E test skipped (xunit counts skips in total, not executed) must fail the job");
        run.ShouldContain("kubectl apply -k deploy/");
        run.ShouldContain("/services/http:sealed-secrets-controller:/proxy/v1/cert.pem", Case.Sensitive, "kubeseal's --fetch-cert path");
    }

    [Fact]
    public void Ci_KindJob_GivesTheE2ESuiteTheApiServersAuditLog()
    {
        var steps = Jobs(RepositoryFiles.Document(Ci))["kind"].Arr("steps").OfType<JsonObject>().ToList();
        var kind = steps.Single(s => (s.Str("uses") ?? string.Empty).StartsWith("helm/kind-action@", StringComparison.Ordinal));
        var config = kind.Str("with.config").ShouldNotBeNull("the kind cluster is made from the repository's config file");
        var node = RepositoryFiles.Document(config).Arr("nodes").OfType<JsonObject>().Single(n => n.Str("role") == "control-plane");
        var patch = node.Arr("kubeadmConfigPatches").Select(p => p!.GetValue<string>()).ShouldHaveSingleItem();
        var logPath = Regex.Match(patch, @"audit-log-path:\s*(\S+)").Groups[1].Value;
        var policyPath = Regex.Match(patch, @"audit-policy-file:\s*(\S+)").Groups[1].Value;
        var mounts = node.Arr("extraMounts").OfType<JsonObject>().ToDictionary(m => m.Str("containerPath")!, m => m.Str("hostPath")!, StringComparer.Ordinal);
        var before = steps.TakeWhile(s => s != kind).Select(s => s.Str("run")).OfType<string>().ToList();
        var after = string.Join('\n', steps.SkipWhile(s => s != kind).Select(s => s.Str("run")).OfType<string>());

        logPath.ShouldNotBeEmpty($"{config}: the API server writes an audit log");
        policyPath.ShouldNotBeEmpty($"{config}: with an audit policy");
        mounts.ShouldContainKey(policyPath, $"{config}: the policy file is mounted into the node");
        var policySource = before.SelectMany(r => Regex.Matches(r, @"cp (\S+) " + Regex.Escape(mounts[policyPath])).Select(m => m.Groups[1].Value)).ShouldHaveSingleItem("a step before kind puts the policy where the node mounts it from");
        var policy = RepositoryFiles.Document(policySource);
        policy.Str("kind").ShouldBe("Policy");
        policy.Arr("rules").OfType<JsonObject>().ShouldContain(r => r.Str("level") == "Metadata", "every request with its user, verb and RBAC decision");
        var logFolder = Path.GetDirectoryName(logPath)!;
        mounts.ShouldContainKey(logFolder, $"{config}: the node's log folder is on the runner's disk");
        var runnerLog = $"{mounts[logFolder]}/{Path.GetFileName(logPath)}";
        after.ShouldContain($"GITOPS_SECRETS_E2E_AUDIT_LOG={runnerLog}", Case.Sensitive, "the E2E step is told where the audit log is");
        string.Join('\n', before).ShouldContain($"install -m 0644 /dev/null {runnerLog}", Case.Sensitive, "the log exists readable before the API server appends to it");
    }

    [Fact]
    public void Ci_DockerJob_BuildsWithTheCakeTargetThatMustNotSkip()
    {
        var run = RunText(Jobs(RepositoryFiles.Document(Ci))["docker"]);

        run.ShouldContain("GITOPS_SECRETS_REQUIRE_DOCKER=true dotnet cake src/Build/build.cake --target=Docker");
        run.ShouldContain("dotnet tool restore");
    }

    [Fact]
    public void Reseal_TriggersOnDispatchScheduleAndCertificatePush()
    {
        var on = Triggers(RepositoryFiles.Document(Reseal));

        on.Select(p => p.Key).ShouldBe(["workflow_dispatch", "schedule", "push"], ignoreOrder: true);
        on.Arr("schedule").OfType<JsonObject>().ShouldHaveSingleItem().Str("cron")!.Split(' ').Length.ShouldBe(5);
        var certificatePaths = on.Strings("push.paths");
        certificatePaths.ShouldNotBeEmpty();
        foreach (var pattern in certificatePaths)
        {
            pattern.ShouldEndWith(".pem");
            var directory = RepositoryFiles.Path(Path.GetDirectoryName(pattern)!);
            Directory.GetFiles(directory, Path.GetFileName(pattern)).ShouldNotBeEmpty($"{pattern} matches no certificate in the repository");
        }
    }

    [Fact]
    public void Reseal_CanPush_AndNeverRunsTwiceAtOnce()
    {
        var reseal = RepositoryFiles.Document(Reseal);

        reseal.Obj("permissions").Select(p => $"{p.Key}: {p.Value}").ShouldBe(["contents: write"]);
        reseal.Str("concurrency.group").ShouldNotBeNullOrEmpty();
        reseal.Str("concurrency.cancel-in-progress").ShouldBe("false", "a running reseal is finished, not cancelled halfway through a push");
    }

    [Fact]
    public void Reseal_RunsTheCakeResealTarget_AsTheBot_WithKeysOrWorkerAccessFromSecrets()
    {
        var reseal = RepositoryFiles.Document(Reseal);
        var steps = Steps(reseal).ToList();
        var cake = steps.Single(s => (s.Str("run") ?? string.Empty).Contains("--target=Reseal", StringComparison.Ordinal));
        var text = RepositoryFiles.Text(Reseal);

        cake.Str("run").ShouldBe("dotnet tool restore && dotnet cake src/Build/build.cake --target=Reseal");
        cake.Str("env.GITOPS_SECRETS_GIT_AUTHOR").ShouldBe(BotAuthor);
        cake.Str("env.GITOPS_SECRETS_RESEAL_PATHS").ShouldNotBeNullOrEmpty();
        cake.Str("env.GITOPS_SECRETS_CONTROLLER_URL").ShouldBe("${{ secrets.CONTROLLER_URL }}");
        text.ShouldContain("${{ secrets.SEALING_KEYS }}");
        text.ShouldContain("${{ secrets.KUBECONFIG }}");
        text.ShouldContain("GITOPS_SECRETS_KEYS=", Case.Sensitive, "the keys secret becomes a key directory for the Cake target");
        foreach (var path in new[] { "examples/repo/clusters", "examples/repo/platform" })
        {
            cake.Str("env.GITOPS_SECRETS_RESEAL_PATHS")!.ShouldContain(path);
            Directory.Exists(RepositoryFiles.Path(path)).ShouldBeTrue($"default reseal path {path} exists");
        }
    }

    [Fact]
    public void Reseal_KeyMaterial_IsWrittenPrivately_AndRemovedAlways()
    {
        var steps = Steps(RepositoryFiles.Document(Reseal)).ToList();
        var write = steps.Single(s => (s.Str("run") ?? string.Empty).Contains("SEALING_KEYS", StringComparison.Ordinal));
        var cleanup = steps.Last();

        write.Str("run")!.ShouldContain("umask 077");
        write.Str("env.SEALING_KEYS").ShouldBe("${{ secrets.SEALING_KEYS }}", "secrets reach the script through env, never interpolated into it");
        write.Str("run")!.ShouldNotContain("${{");
        cleanup.Str("if").ShouldBe("always()");
        cleanup.Str("run")!.ShouldContain("rm -rf");
    }

    /// <summary>
    /// The <c>on:</c> mapping. The product's reader follows YAML 1.1 as kubectl does, where a plain
    /// <c>on</c> key is the boolean true; GitHub reads it as the string. Either spelling is the triggers.
    /// </summary>
    private static JsonObject Triggers(JsonObject workflow) =>
        (workflow["on"] ?? workflow["true"] ?? workflow["True"]) as JsonObject ?? throw new ShouldAssertException("the workflow has no on: mapping");

    private static Dictionary<string, JsonObject> Jobs(JsonObject workflow) =>
        workflow.Obj("jobs").ToDictionary(p => p.Key, p => p.Value as JsonObject ?? throw new ShouldAssertException($"job {p.Key} is not a mapping"), StringComparer.Ordinal);

    private static IEnumerable<JsonObject> Steps(JsonObject workflow) =>
        Jobs(workflow).Values.SelectMany(j => j.Arr("steps").OfType<JsonObject>());

    private static string RunText(JsonObject job) =>
        string.Join('\n', job.Arr("steps").OfType<JsonObject>().Select(s => s.Str("run")).OfType<string>());
}
