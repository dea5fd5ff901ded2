using System.Diagnostics;
using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// The real program, started through a symlink named <c>kubeseal</c> next to nothing else: what a user
/// gets after <c>ln -s gitops-secrets kubeseal</c>. Proves the process edge reads argv[0] (a symlink
/// resolves away in the process path) and hands it to the command line.
/// </summary>
public sealed class KubesealBinaryTests : IDisposable
{
    private const string PlantedValue = "planted-binary-31f0c2";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SymlinkFact]
    public async Task Symlink_NamedKubeseal_PrintsKubesealVersionAndSealsFromStdin()
    {
        var kubeseal = Link("kubeseal");
        var secret = $"{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{{\"name\":\"db\",\"namespace\":\"apps\"}},\"stringData\":{{\"password\":\"{PlantedValue}\"}}}}";

        var version = await RunAsync(kubeseal, string.Empty, "--version");
        var sealedJson = await RunAsync(kubeseal, secret, "--cert", Vectors.Path("sealing-key.crt.pem"));

        version.ExitCode.ShouldBe(0, version.ToString());
        version.Stdout.ShouldStartWith("kubeseal version: ");
        sealedJson.ExitCode.ShouldBe(0, sealedJson.ToString());
        JsonNode.Parse(sealedJson.Stdout)!["kind"]!.GetValue<string>().ShouldBe("SealedSecret");
        File.WriteAllText(_dir.File("sealed.json"), sealedJson.Stdout);
        SealedFiles.Open(_dir.File("sealed.json"), Vectors.LoadKey()).Single().Values!["password"].ShouldBe(PlantedValue);
        sealedJson.Stderr.ShouldNotContain(PlantedValue);
    }

    [SymlinkFact]
    public async Task Symlink_WithAnotherName_IsGitOpsSecrets()
    {
        var result = await RunAsync(Link("secrets-tool"), string.Empty, "--version");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldNotContain("kubeseal", customMessage: "only the name kubeseal switches to the alias");
    }

    private string Link(string name)
    {
        var target = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "gitops-secrets.exe" : "gitops-secrets");
        File.Exists(target).ShouldBeTrue($"the program's apphost is copied next to the tests: {target}");
        return File.CreateSymbolicLink(_dir.File(name), target).FullName;
    }

    private static async Task<CliResult> RunAsync(string program, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No kubeconfig of the machine running the tests may be picked up.
        start.Environment.Remove("KUBECONFIG");
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that needs symbolic links to the apphost, which Windows only allows with extra rights.</summary>
public sealed class SymlinkFactAttribute : FactAttribute
{
    public SymlinkFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "symbolic links need developer mode or administrator rights on Windows; a copy named kubeseal.exe works the same way";
        }
    }
}
