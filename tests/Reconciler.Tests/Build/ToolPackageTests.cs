using System.Diagnostics;
using System.Reflection;
using System.Xml.Linq;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Build;

/// <summary>
/// The install path of docs/install.md, for real: the product packed as a dotnet tool (from the build this
/// test run already made, so it costs seconds, not a rebuild), installed with <c>dotnet tool install</c>
/// from that package alone, and started under its command name.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ToolPackage_PackedAndInstalled_RunsAsGitopsSecrets()
    {
        var packages = Path.Combine(_temp.Path, "packages");
        var tools = Path.Combine(_temp.Path, "tools");
        var version = XDocument.Load(RepositoryFiles.Path("src/Reconciler/Reconciler.csproj")).Descendants("Version").Single().Value;
        var configuration = typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        // Only the freshly packed folder as a source: the test neither needs nor reaches nuget.org.
        var nugetConfig = _temp.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{packages}" />
              </packageSources>
            </configuration>
            """);

        var pack = await DotnetAsync(RepositoryFiles.Root, "pack", "src/Reconciler/Reconciler.csproj", "-c", configuration, "--no-build", "--no-restore", "-o", packages);
        var install = await DotnetAsync(_temp.Path, "tool", "install", "--tool-path", tools, "--configfile", nugetConfig, "GitOpsSecrets");
        var installed = Path.Combine(tools, "gitops-secrets");
        var versionOutput = await RunAsync(_temp.Path, installed, "--version");
        var help = await RunAsync(_temp.Path, installed, "--help");

        pack.ExitCode.ShouldBe(0, pack.Output);
        File.Exists(Path.Combine(packages, $"GitOpsSecrets.{version}.nupkg")).ShouldBeTrue(pack.Output);
        install.ExitCode.ShouldBe(0, install.Output);
        versionOutput.ExitCode.ShouldBe(0, versionOutput.Output);
        versionOutput.Stdout.ShouldStartWith(version, Case.Sensitive, $"the installed command is this version of the product: {versionOutput.Output}");
        help.ExitCode.ShouldBe(0, help.Output);
        help.Stdout.ShouldContain("gitops-secrets [command] [options]", Case.Sensitive, help.Output);
    }

    private static Task<(int ExitCode, string Stdout, string Output)> DotnetAsync(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", args);

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string workingDirectory, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's MSBuild variables would point a child build at the test run's SDK internals.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, $"{program} {string.Join(' ', args)}:\n{await stdout}{await stderr}");
    }
}
