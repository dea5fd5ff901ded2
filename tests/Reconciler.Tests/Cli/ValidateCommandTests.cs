using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("strict")]
    [InlineData("namespace-wide")]
    [InlineData("cluster-wide")]
    public async Task Validate_VectorWithoutKeys_IsStructurallyValid(string scope)
    {
        var file = Vectors.Path($"sealedsecret-{scope}.json");

        var result = await _cli.RunAsync("validate", file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe($"ok: {file}:1 (document 1): SealedSecret myns/mysecret ({scope})\n1 valid, 0 invalid, 0 not decryptable\n");
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_WithTheRightKey_SaysItDecrypts()
    {
        var file = Vectors.Path("sealedsecret-strict.json");

        var result = await _cli.RunAsync("validate", "--keys", TestSealer.KeyFile, file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain($"ok: {file}:1 (document 1): SealedSecret myns/mysecret (strict, decrypts)");
    }

    [Fact]
    public async Task Validate_WithAnotherKey_ExitsFourNamingTheKeys()
    {
        var key = _temp.Write("other.pem", TestKeys.OldCertificatePem + TestKeys.OldPrivateKeyPem);
        var file = Vectors.Path("sealedsecret-strict.json");

        var result = await _cli.RunAsync("validate", "--recovery-private-key", key, file);

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed, result.ToString());
        result.Stderr.ShouldBe($"error: {file}:1 (document 1): SealedSecret myns/mysecret: no key could decrypt secret (empty, foo, password)\n");
        result.Stdout.ShouldBe("0 valid, 0 invalid, 1 not decryptable\n");
    }

    [Fact]
    public async Task Validate_StructuralProblems_ExitThree()
    {
        var file = _temp.Write("bad.yaml", """
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata:
              name: Bad_Name
            spec:
              encryptedData:
                a: "!!!"
                b: AgA=
            """);

        var result = await _cli.RunAsync("validate", file);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: {file}:1 (document 1): SealedSecret Bad_Name: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); "
            + "metadata.namespace is required for the strict scope; spec.encryptedData.a is not valid base64: illegal base64 data at input byte 0; spec.encryptedData.b is too short to be a sealed value\n");
        result.Stdout.ShouldBe("0 valid, 1 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Validate_CertOfAnotherKeySize_IsReported()
    {
        var cert = _temp.Write("small.pem", SmallKeys.Third.Certificate);
        var file = Vectors.Path("sealedsecret-cluster-wide.json");

        var result = await _cli.RunAsync("validate", "--cert", cert, file);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("spec.encryptedData.empty was sealed to a 4096-bit key, not this 1024-bit certificate");
    }

    [Fact]
    public async Task Validate_ManifestErrorAndMissingFile_AreInvalidAndTheRestIsStillChecked()
    {
        var broken = _temp.Write("broken.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: x}\n");
        var missing = _temp.File("missing.yaml");
        var good = Vectors.Path("sealedsecret-strict.json");

        var result = await _cli.RunAsync("validate", broken, missing, good);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: {broken}:1 (document 1): spec is required\nerror: {missing}: no such file\n");
        result.Stdout.ShouldEndWith("1 valid, 2 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Validate_OtherKindsAreIgnored_FromStandardInput()
    {
        var result = await new CliRunner().RunWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "validate");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe("0 valid, 0 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Validate_DashIsStandardInput()
    {
        var result = await new CliRunner().RunWithInputAsync(Vectors.Text("sealedsecret-strict.json"), "validate", "-");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe("ok: (stdin):1 (document 1): SealedSecret myns/mysecret (strict)\n1 valid, 0 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Validate_CertFromKubesealsEnvironmentDefault_IsUsed()
    {
        var cli = new CliRunner();
        cli.Environment["SEALED_SECRETS_CERT"] = _temp.Write("small.pem", SmallKeys.Third.Certificate);

        var result = await cli.RunAsync("validate", Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("was sealed to a 4096-bit key, not this 1024-bit certificate");
    }

    [Fact]
    public async Task Validate_ExpiredCert_IsRefusedWithKubesealsMessage()
    {
        var cert = _temp.Write("expired.pem", SmallKeys.Expired.Certificate);

        var result = await _cli.RunAsync("validate", "--cert", cert, Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: {cert}: failed to encrypt using an expired certificate on March 31, 2025\n");
    }

    [Fact]
    public async Task Validate_SeveralDocuments_AreEachReported()
    {
        // YAML documents written in JSON's flow style, as people paste kubeseal output into a YAML file.
        var strict = Vectors.Text("sealedsecret-strict.json").Replace("\n", " ", StringComparison.Ordinal);
        var cluster = Vectors.Text("sealedsecret-cluster-wide.json").Replace("\n", " ", StringComparison.Ordinal);
        var file = _temp.Write("two.yaml", $"# two SealedSecrets\n{strict}\n---\nkind: ConfigMap\n---\n{cluster}\n");

        var result = await _cli.RunAsync("validate", file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe($"ok: {file}:2 (document 1): SealedSecret myns/mysecret (strict)\nok: {file}:5 (document 3): SealedSecret myns/mysecret (cluster-wide)\n2 valid, 0 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Validate_UnknownOption_IsAUsageError()
    {
        var result = await _cli.RunAsync("validate", "--no-such-flag");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldStartWith("error: ");
        result.Stderr.ShouldContain("--no-such-flag");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_UnknownCryptoEngine_IsAUsageError()
    {
        var result = await _cli.RunAsync("validate", "--crypto-engine", "fast", Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: --crypto-engine: unknown engine \"fast\" (auto, openssl, bouncycastle)\n");
    }
}
