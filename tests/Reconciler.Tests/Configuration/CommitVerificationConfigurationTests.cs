using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary><c>source.verify</c>: reading and the checks that turn it into a policy.</summary>
public sealed class CommitVerificationConfigurationTests
{
    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));

    [Fact]
    public void Read_Absent_NoVerification()
    {
        var configuration = Read("source:\n  url: /repo\n");

        configuration.Source.Verify.ShouldBeNull();
        CommitSignaturePolicy.From(configuration.Source.Verify).ShouldBeNull("without source.verify commits are not verified");
    }

    [Fact]
    public void Read_SshWithSince_BecomesAPolicyWithAnAbsoluteFile()
    {
        var verify = Read("source:\n  verify:\n    mode: ssh\n    allowedSigners: signers\n    since: 0123456789abcdef0123456789abcdef01234567\n").Source.Verify.ShouldNotBeNull();

        var policy = CommitSignaturePolicy.From(verify).ShouldNotBeNull();

        policy.Mode.ShouldBe(SignatureMode.Ssh);
        policy.SignersFile.ShouldBe(Path.GetFullPath("signers"));
        policy.Since.ShouldBe("0123456789abcdef0123456789abcdef01234567");
    }

    [Theory]
    [InlineData("mode: pgp\n    keyring: k", "source.verify.mode: \"pgp\" is not ssh or gpg")]
    [InlineData("keyring: k", "source.verify.mode: required (ssh or gpg)")]
    [InlineData("mode: gpg", "source.verify.keyring: required with mode gpg")]
    [InlineData("mode: gpg\n    keyring: k\n    allowedSigners: s", "source.verify.allowedSigners: not used with mode gpg (use keyring)")]
    [InlineData("mode: ssh\n    allowedSigners: s\n    since: main", "source.verify.since: \"main\" is not a commit id (a branch or tag could be moved by whoever pushes)")]
    public void From_InvalidSettings_OneLineErrorNamingTheField(string fields, string expected)
    {
        var verify = Read($"source:\n  verify:\n    {fields}\n").Source.Verify;

        Should.Throw<InputException>(() => CommitSignaturePolicy.From(verify)).Message.ShouldBe(expected);
    }

    [Fact]
    public void Read_UnknownVerifyField_IsNamed()
    {
        Should.Throw<ManifestException>(() => Read("source:\n  verify:\n    mode: ssh\n    allowedSigner: s\n"))
            .Message.ShouldContain("unknown field \"source.verify.allowedSigner\"");
    }
}
