using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Tests.Worker;

namespace GitOpsSecrets.Tests.Sealing;

/// <summary><c>template.data</c> through the command line: rendered as the controller would, and a bad template names the SealedSecret and the key.</summary>
public sealed class TemplateCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly CliRunner _cli = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Unseal_SprigTemplate_RendersTheSecretLikeTheController()
    {
        var sealedSecret = WorkerFixture.Seal("apps", "db");
        sealedSecret.Template.Data["url"] = "postgres://app:{{ .password | urlquery }}@db/{{ list \"a\" \"b\" | join \"-\" | upper }}";
        sealedSecret.Template.Data["auth"] = "{{ printf \"app:%s\" .password | b64enc }}";
        var file = _temp.Write("db.json", WorkerFixture.Json(sealedSecret));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.secret.json"), "-f", file, "-o", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var data = System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement.GetProperty("data");
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("url").GetString()!)).ShouldBe($"postgres://app:{WorkerFixture.PlantedValue}@db/A-B");
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("auth").GetString()!))
            .ShouldBe(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"app:{WorkerFixture.PlantedValue}")));
    }

    [Fact]
    public async Task Unseal_UnknownFunction_OneLineNamingTheSealedSecretAndTheKeyWithoutTheValue()
    {
        var sealedSecret = WorkerFixture.Seal("apps", "db");
        sealedSecret.Template.Data["url"] = "{{ .password | frobnicate }}";
        var file = _temp.Write("db.json", WorkerFixture.Json(sealedSecret));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.secret.json"), "-f", file);

        result.ExitCode.ShouldNotBe(0, result.ToString());
        var line = result.Stderr.Trim();
        line.ShouldStartWith("error: ");
        line.ShouldContain("SealedSecret apps/db: spec.template.data.url: function \"frobnicate\" not defined", Case.Sensitive, line);
        result.All.ShouldNotContain(WorkerFixture.PlantedValue);
    }
}
