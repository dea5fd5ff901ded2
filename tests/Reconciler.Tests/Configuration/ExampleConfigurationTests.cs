using GitOpsSecrets.Configuration;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary>The configuration reference's complete example (docs/configuration.md) is a file the reader accepts, field for field.</summary>
public sealed class ExampleConfigurationTests
{
    private static readonly string ExamplePath = Path.Combine(Vectors.Directory, "..", "..", "examples", "gitops-secrets.yaml");

    [Fact]
    public void The_complete_example_reads_and_validates()
    {
        var configuration = ConfigurationReader.ReadFile(ExamplePath);
        ConfigurationValidator.Validate(configuration);

        configuration.Source.Ref.ShouldBe("main");
        configuration.Source.Paths.ShouldBe(["clusters/production", "platform"]);
        configuration.Source.Interval.ShouldBe(TimeSpan.FromMinutes(1));
        configuration.Keys.RenewPeriod.ShouldBe(TimeSpan.FromHours(720));
        configuration.Targets.Select(t => t.Kind).ShouldBe(["directory", "kubernetes"]);
        configuration.Targets[0].KeyModes["payments/payments-env/.env"].ShouldBe("0440");
        configuration.Worker.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void The_configuration_reference_embeds_the_example_verbatim()
    {
        var reference = File.ReadAllText(Path.Combine(Vectors.Directory, "..", "..", "docs", "configuration.md"));
        reference.ShouldContain(File.ReadAllText(ExamplePath).TrimEnd(), customMessage: "docs/configuration.md must show examples/gitops-secrets.yaml as it is");
    }
}
