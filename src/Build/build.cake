// GitOps Secrets build script. Run from the repository root:
//
//   dotnet tool restore && dotnet cake src/Build/build.cake --target=NAME
//
// Targets: Clean, Restore, Build, Test (the default), Pack, Publish, Docker, Reseal, GenerateSecrets.
// Pack and Publish make the two install artifacts (docs/install.md): the dotnet tool package in
// artifacts/packages and the single-file binary in artifacts/publish.
// Relative paths in arguments and environment variables are relative to the repository root.
//
// Reseal:           GITOPS_SECRETS_RESEAL_PATHS (space or comma separated) and one key source:
//                   GITOPS_SECRETS_KEYS (key directory) | GITOPS_SECRETS_CONTROLLER_URL |
//                   GITOPS_SECRETS_CONTROLLER_NAME [+ GITOPS_SECRETS_CONTROLLER_NAMESPACE] (with KUBECONFIG);
//                   the author: GITOPS_SECRETS_GIT_AUTHOR ("Name <email>") or GIT_AUTHOR_NAME + GIT_AUTHOR_EMAIL;
//                   optional GITOPS_SECRETS_GIT_BRANCH, GITOPS_SECRETS_COMMIT_MESSAGE, GITOPS_SECRETS_GIT_TOKEN_FILE,
//                   GITOPS_SECRETS_REPOSITORY (default: this repository).
// GenerateSecrets:  --spec/--output/--cert or GITOPS_SECRETS_SPEC/GITOPS_SECRETS_OUTPUT/GITOPS_SECRETS_CERT.
// Docker:           --image or GITOPS_SECRETS_IMAGE (default gitops-secrets:VERSION); GITOPS_SECRETS_REQUIRE_DOCKER=true
//                   turns the no-engine skip into a failure.
// Cake only orchestrates: every decision about manifests, keys and git lives in the product
// (gitops-secrets), which the Reseal and GenerateSecrets targets run as a published binary.

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");

// Cake runs with the script's folder as its working directory; everything below is anchored at the root.
var root = MakeAbsolute(Directory("../.."));
var solution = root.CombineWithFilePath("GitOpsSecrets.sln");
var product = root.CombineWithFilePath("src/Reconciler/Reconciler.csproj");
var artifacts = root.Combine("artifacts");
var publishDir = artifacts.Combine("publish");
var packagesDir = artifacts.Combine("packages");
var testResults = artifacts.Combine("test-results");
var runtime = "linux-x64";
var executable = publishDir.CombineWithFilePath("gitops-secrets");
var version = XmlPeek(product, "/Project/PropertyGroup/Version/text()");
var image = Argument("image", EnvironmentVariable("GITOPS_SECRETS_IMAGE") ?? $"gitops-secrets:{version}");

Task("Clean")
    .Description("Removes artifacts/ and every project's bin/ and obj/")
    .Does(() =>
{
    CleanDirectory(artifacts);
    CleanDirectories(root.FullPath + "/src/**/bin");
    CleanDirectories(root.FullPath + "/src/**/obj");
    CleanDirectories(root.FullPath + "/tests/**/bin");
    CleanDirectories(root.FullPath + "/tests/**/obj");
    CleanDirectories(root.FullPath + "/bench/**/bin");
    CleanDirectories(root.FullPath + "/bench/**/obj");
});

Task("Restore")
    .Description("Restores the solution's NuGet packages")
    .Does(() =>
{
    DotNetRestore(solution.FullPath);
});

Task("Build")
    .Description("Builds the solution (warnings are errors, as in every configuration)")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
    });
});

Task("Test")
    .Description("The README's test command: dotnet test GitOpsSecrets.sln -c Release, with TRX results in artifacts/test-results")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetTest(solution.FullPath, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        NoRestore = true,
        Loggers = { "trx;LogFilePrefix=results" },
        ResultsDirectory = testResults,
    });
});

Task("Pack")
    .Description("Packs gitops-secrets as a dotnet tool (GitOpsSecrets.VERSION.nupkg) to artifacts/packages")
    .Does(() =>
{
    CleanDirectory(packagesDir);
    // The csproj packs as a tool (PackAsTool, command gitops-secrets); the package is framework-dependent
    // like the single file, so `dotnet tool install` works wherever the .NET 10 SDK does.
    DotNetPack(product.FullPath, new DotNetPackSettings
    {
        Configuration = configuration,
        OutputDirectory = packagesDir,
    });
    var package = packagesDir.CombineWithFilePath($"GitOpsSecrets.{version}.nupkg");
    if (!FileExists(package))
    {
        throw new CakeException($"Pack: {package} was not produced");
    }

    Information("Packed {0}; install with: dotnet tool install --global --add-source {1} GitOpsSecrets", package, packagesDir);
});

Task("Publish")
    .Description("Publishes gitops-secrets as one framework-dependent linux-x64 file (needs the ASP.NET Core 10 runtime) to artifacts/publish")
    .Does(() =>
{
    CleanDirectory(publishDir);
    // Framework-dependent on purpose: the runtime image (mcr.microsoft.com/dotnet/aspnet) carries the
    // shared frameworks, and no runtime pack has to be downloaded to publish. The csproj bundles the
    // libgit2 native library into the file; it is extracted at start to DOTNET_BUNDLE_EXTRACT_BASE_DIR.
    DotNetPublish(product.FullPath, new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = runtime,
        SelfContained = false,
        PublishSingleFile = true,
        OutputDirectory = publishDir,
    });
    if (!FileExists(executable))
    {
        throw new CakeException($"Publish: {executable} was not produced");
    }

    Information("Published {0}", executable);
});

Task("Docker")
    .Description("Builds the container image (gitops-secrets:VERSION); skips with a message when no container engine answers")
    .Does(() =>
{
    if (Run("docker", "info", root, quiet: true) != 0)
    {
        var reason = "no container engine is reachable ('docker info' failed)";
        if (EnvironmentVariable("GITOPS_SECRETS_REQUIRE_DOCKER") == "true")
        {
            // CI's docker job must not pass by skipping.
            throw new CakeException($"Docker: {reason}, and GITOPS_SECRETS_REQUIRE_DOCKER=true");
        }

        Warning("Docker: skipped, {0}. Start Docker, or build elsewhere with: docker build -t {1} .", reason, image);
        return;
    }

    RunOrFail("docker", $"build --tag {image} --file Dockerfile .", root);
    Information("Built image {0}", image);
});

Task("Reseal")
    .Description("Re-encrypts every SealedSecret under GITOPS_SECRETS_RESEAL_PATHS to the newest key, then commits and pushes (gitops-secrets reseal --commit --push)")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var repository = new DirectoryPath(FromRoot(EnvironmentVariable("GITOPS_SECRETS_REPOSITORY") ?? "."));
    var paths = Split(Require("GITOPS_SECRETS_RESEAL_PATHS", "repository paths to reseal, separated by spaces or commas"));
    var args = new ProcessArgumentBuilder().Append("reseal");
    foreach (var path in paths)
    {
        args.AppendQuoted(path);
    }

    // Where the keys come from: private keys (a directory written from a repository secret), a
    // worker's URL, or a worker reached through the Kubernetes API (KUBECONFIG), in that order.
    var keys = EnvironmentVariable("GITOPS_SECRETS_KEYS");
    var controllerUrl = EnvironmentVariable("GITOPS_SECRETS_CONTROLLER_URL");
    var controllerName = EnvironmentVariable("GITOPS_SECRETS_CONTROLLER_NAME");
    if (!string.IsNullOrEmpty(keys))
    {
        args.Append("--keys").AppendQuoted(keys);
    }
    else if (!string.IsNullOrEmpty(controllerUrl))
    {
        args.Append("--controller-url").AppendQuoted(controllerUrl);
    }
    else if (!string.IsNullOrEmpty(controllerName))
    {
        args.Append("--controller-name").AppendQuoted(controllerName)
            .Append("--controller-namespace").AppendQuoted(EnvironmentVariable("GITOPS_SECRETS_CONTROLLER_NAMESPACE") ?? "gitops-secrets");
    }
    else
    {
        throw new CakeException("Reseal: set GITOPS_SECRETS_KEYS (a key directory), GITOPS_SECRETS_CONTROLLER_URL (a worker URL) or GITOPS_SECRETS_CONTROLLER_NAME (a worker Service, with KUBECONFIG)");
    }

    args.Append("--commit").Append("--push");
    var author = EnvironmentVariable("GITOPS_SECRETS_GIT_AUTHOR")
        ?? (EnvironmentVariable("GIT_AUTHOR_NAME") is { Length: > 0 } name && EnvironmentVariable("GIT_AUTHOR_EMAIL") is { Length: > 0 } email ? $"{name} <{email}>" : null);
    if (author is null)
    {
        throw new CakeException("Reseal: set GITOPS_SECRETS_GIT_AUTHOR (\"Name <email>\") or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL for the commit");
    }

    args.Append("--author").AppendQuoted(author);
    AppendIfSet(args, "--branch", "GITOPS_SECRETS_GIT_BRANCH");
    AppendIfSet(args, "--message", "GITOPS_SECRETS_COMMIT_MESSAGE");
    AppendIfSet(args, "--git-token-file", "GITOPS_SECRETS_GIT_TOKEN_FILE");
    RunOrFail(executable.FullPath, args.Render(), repository);
});

Task("GenerateSecrets")
    .Description("Seals the inputs of a spec file into one manifest file (gitops-secrets generate-secrets)")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var spec = Argument("spec", EnvironmentVariable("GITOPS_SECRETS_SPEC") ?? string.Empty);
    var output = Argument("output", EnvironmentVariable("GITOPS_SECRETS_OUTPUT") ?? string.Empty);
    var cert = Argument("cert", EnvironmentVariable("GITOPS_SECRETS_CERT") ?? string.Empty);
    if (spec.Length == 0 || output.Length == 0 || cert.Length == 0)
    {
        throw new CakeException("GenerateSecrets: give --spec, --output and --cert (or GITOPS_SECRETS_SPEC, GITOPS_SECRETS_OUTPUT, GITOPS_SECRETS_CERT)");
    }

    var args = new ProcessArgumentBuilder()
        .Append("generate-secrets")
        .Append("--spec").AppendQuoted(FromRoot(spec))
        .Append("-w").AppendQuoted(FromRoot(output))
        .Append("--cert").AppendQuoted(cert.Contains("://") ? cert : FromRoot(cert));
    RunOrFail(executable.FullPath, args.Render(), root);
});

Task("Default")
    .IsDependentOn("Test");

RunTarget(target);

// Helpers: running the product and external tools, and reading the environment.

int Run(string tool, string arguments, DirectoryPath workingDirectory, bool quiet = false)
{
    var settings = new ProcessSettings
    {
        Arguments = arguments,
        WorkingDirectory = workingDirectory,
        RedirectStandardOutput = quiet,
        RedirectStandardError = quiet,
    };
    try
    {
        return StartProcess(tool, settings);
    }
    catch (Exception e) when (quiet)
    {
        // A missing tool (no docker binary at all) counts as a failure, not a crash.
        Verbose("{0}: {1}", tool, e.Message);
        return -1;
    }
}

void RunOrFail(string tool, string arguments, DirectoryPath workingDirectory)
{
    var exitCode = Run(tool, arguments, workingDirectory);
    if (exitCode != 0)
    {
        throw new CakeException(exitCode, $"{System.IO.Path.GetFileName(tool)} exited with code {exitCode}");
    }
}

// Relative paths given to a target are relative to the repository root, whatever folder Cake runs in.
string FromRoot(string path) =>
    System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(root.FullPath, path));

string Require(string name, string what) =>
    EnvironmentVariable(name) is { Length: > 0 } value ? value : throw new CakeException($"{name} is not set: {what}");

void AppendIfSet(ProcessArgumentBuilder args, string flag, string variable)
{
    if (EnvironmentVariable(variable) is { Length: > 0 } value)
    {
        args.Append(flag).AppendQuoted(value);
    }
}

static string[] Split(string list) =>
    list.Split(new[] { ' ', ',', '\n', '\r', '\t' }, StringSplitOptions.RemoveEmptyEntries);
