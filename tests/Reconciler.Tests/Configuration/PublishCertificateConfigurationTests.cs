using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Publishing;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary><c>keys.publishCertificate</c> (the closed loop): reading, defaults, validation and the run flags.</summary>
public sealed class PublishCertificateConfigurationTests
{
    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));

    private static WorkerConfiguration Valid(PublishCertificateConfiguration publish) => new()
    {
        Source = new SourceConfiguration { Url = "/repo" },
        Keys = new KeysConfiguration { Directory = "/keys", PublishCertificate = publish },
        Targets = [new TargetConfiguration { Name = "files", Kind = "directory", Root = "/out" }],
    };

    [Fact]
    public void Read_Absent_PublishingIsOff()
    {
        Read("keys:\n  directory: /k\n").Keys.PublishCertificate.ShouldBeNull();
    }

    [Fact]
    public void Read_EveryField_IsRead_AndDefaultsFillTheRest()
    {
        var full = Read("""
            keys:
              publishCertificate:
                path: keys/sealing-cert.pem
                branch: release
                author: Bot <bot@example.test>
                message: "New key {key}"
            """).Keys.PublishCertificate.ShouldNotBeNull();
        var minimal = Read("keys:\n  publishCertificate:\n    path: cert.pem\n").Keys.PublishCertificate.ShouldNotBeNull();

        full.Path.ShouldBe("keys/sealing-cert.pem");
        full.Branch.ShouldBe("release");
        full.Author.ShouldBe("Bot <bot@example.test>");
        full.Message.ShouldBe("New key {key}");
        minimal.Branch.ShouldBeNull();
        minimal.Author.ShouldBe("gitops-secrets <gitops-secrets@localhost>");
        minimal.Message.ShouldBe("Publish sealing certificate {key}");
    }

    [Theory]
    [InlineData("keys:\n  publishCertificate:\n    path: a.pem\n    brnach: x\n", "cfg.yaml:4 (document 1): unknown field \"keys.publishCertificate.brnach\" (known here: author, branch, message, path)")]
    [InlineData("keys:\n  publishCertificate: keys/cert.pem\n", "cfg.yaml:2 (document 1): keys.publishCertificate must be a mapping")]
    [InlineData("keys:\n  publishCertificate:\n    path: [a]\n", "cfg.yaml:3 (document 1): keys.publishCertificate.path must be a string")]
    public void Read_BadField_NamesItAndItsLine(string yaml, string expected)
    {
        Should.Throw<ManifestException>(() => Read(yaml)).Message.ShouldBe(expected);
    }

    [Fact]
    public void Validate_Complete_Passes()
    {
        Should.NotThrow(() => ConfigurationValidator.Validate(Valid(new PublishCertificateConfiguration { Path = "keys/sealing-cert.pem", Branch = "main" })));
    }

    [Theory]
    [InlineData(null, null, "Bot <bot@example.test>", "m", "keys.publishCertificate.path (--publish-certificate-path) is required")]
    [InlineData("/etc/cert.pem", null, "Bot <bot@example.test>", "m", "keys.publishCertificate.path (--publish-certificate-path) \"/etc/cert.pem\" must be a relative file path")]
    [InlineData("../cert.pem", null, "Bot <bot@example.test>", "m", "keys.publishCertificate.path (--publish-certificate-path) \"../cert.pem\" must be a relative file path")]
    [InlineData(".git/config", null, "Bot <bot@example.test>", "m", "keys.publishCertificate.path (--publish-certificate-path) \".git/config\" must be a relative file path")]
    [InlineData("keys/", null, "Bot <bot@example.test>", "m", "\"keys/\" must be a relative file path")]
    [InlineData("cert.pem", "refs/heads/main", "Bot <bot@example.test>", "m", "keys.publishCertificate.branch (--publish-certificate-branch) \"refs/heads/main\" is not a branch name")]
    [InlineData("cert.pem", " ", "Bot <bot@example.test>", "m", "keys.publishCertificate.branch (--publish-certificate-branch)")]
    [InlineData("cert.pem", null, "Bot", "m", "keys.publishCertificate.author \"Bot\" is not \"Name <email>\"")]
    [InlineData("cert.pem", null, "Bot <bot@example.test>", " ", "keys.publishCertificate.message must not be empty")]
    public void Validate_BadField_IsNamed(string? path, string? branch, string author, string message, string expected)
    {
        var configuration = Valid(new PublishCertificateConfiguration { Path = path, Branch = branch, Author = author, Message = message });

        Should.Throw<InputException>(() => ConfigurationValidator.Validate(configuration)).Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData(null, "main", "main")]
    [InlineData(null, "release/1.x", "release/1.x")]
    [InlineData(null, "refs/heads/prod", "prod")]
    [InlineData(null, "HEAD", "main")]
    [InlineData(null, "refs/tags/v1", "main")]
    [InlineData(null, "0123456789abcdef0123456789abcdef01234567", "main")]
    [InlineData("certs", "main", "certs")]
    public void BranchFor_ConfiguredElseTheSourceBranchElseMain(string? configured, string sourceRef, string expected)
    {
        CertificatePublisher.BranchFor(new PublishCertificateConfiguration { Path = "c.pem", Branch = configured }, sourceRef).ShouldBe(expected);
    }

    [Fact]
    public async Task Run_BranchFlagWithoutAPath_IsAUsageError()
    {
        using var keys = new TempDirectory();
        var result = await new CliRunner().RunAsync("run", "--repo", "/repo", "--keys", keys.Path, "--target", "directory:/unused", "--publish-certificate-branch", "main");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("--publish-certificate-branch needs --publish-certificate-path");
    }

    [Fact]
    public async Task Run_PathFlagOverridesTheFile_AndIsValidated()
    {
        using var files = new TempDirectory();
        files.Write("config.yaml", "keys:\n  publishCertificate:\n    path: keys/cert.pem\n");
        var result = await new CliRunner().RunAsync(
            "run", "--config", files.File("config.yaml"), "--repo", "/repo", "--keys", files.Path, "--target", "directory:/unused", "--publish-certificate-path", "../outside.pem");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("keys.publishCertificate.path (--publish-certificate-path) \"../outside.pem\" must be a relative file path");
    }
}
