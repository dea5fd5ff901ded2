using GitOpsSecrets.Cli;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class CreateSecretCommandTests : IDisposable
{
    private const string Planted = "PLANTED-s3cr3t-VALUE";
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Generic_FromLiteral_PrintsKubectlsYaml()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "app", "-n", "web", "--from-literal", "password=hunter2", "--from-literal", "user=admin");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe("""
            apiVersion: v1
            data:
              password: aHVudGVyMg==
              user: YWRtaW4=
            kind: Secret
            metadata:
              creationTimestamp: null
              name: app
              namespace: web
            type: Opaque

            """);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Generic_Json_FromFileEnvFileAndType()
    {
        var file = _temp.Write("config.json", "{}");
        var env = _temp.Write("app.env", "A=1\nFROM_HOST\n");
        _cli.Environment["FROM_HOST"] = "h";

        var result = await _cli.RunAsync("create", "secret", "generic", "app", "--type", "example.com/custom", "-o", "json", "--from-file", file, "--from-env-file", env);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe("""
            {
              "apiVersion": "v1",
              "data": {
                "A": "MQ==",
                "FROM_HOST": "aA==",
                "config.json": "e30="
              },
              "kind": "Secret",
              "metadata": {
                "creationTimestamp": null,
                "name": "app"
              },
              "type": "example.com/custom"
            }

            """);
    }

    [Fact]
    public async Task Generic_AppendHash_UsesTheKustomizeSuffix()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "app", "--append-hash", "--from-literal", "k=v");

        var expected = new Secret { Metadata = new ObjectMetadata { Name = "app" } };
        expected.Data["k"] = "v"u8.ToArray();
        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain($"  name: app-{NameHashSuffix.Compute(expected)}\n");
    }

    [Fact]
    public async Task Generic_BadKey_ExitsThreeWithoutTheValue()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "app", "--from-literal", "bad key=" + Planted);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: --from-literal: \"bad key\" is not a valid key name: {KubernetesNames.DataKeyRule}\n");
        result.All.ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Generic_InvalidName_ExitsThree()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "App_1", "-n", "web");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldStartWith("error: Secret web/App_1: metadata.name: Invalid value: \"App_1\": a lowercase RFC 1123 subdomain must consist of");
    }

    [Fact]
    public async Task Generic_TypedWithoutItsKeys_ExitsThreeNamingTheKeys()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "web-tls", "--type", "kubernetes.io/tls", "--from-literal", "tls.crt=x");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe("error: Secret web-tls: type kubernetes.io/tls requires data key \"tls.key\"\n");
    }

    [Fact]
    public async Task Generic_OverOneMebibyte_ExitsThree()
    {
        var big = _temp.File("big.bin");
        File.WriteAllBytes(big, new byte[(1024 * 1024) + 1]);

        var result = await _cli.RunAsync("create", "secret", "generic", "big", "--from-file", big);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe("error: Secret big: data is 1048577 bytes in total, over the Secret limit of 1048576 bytes (1 MiB)\n");
    }

    [Fact]
    public async Task Generic_MissingFile_ExitsThree()
    {
        var missing = _temp.File("nope.txt");

        var result = await _cli.RunAsync("create", "secret", "generic", "app", "--from-file", missing);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: --from-file: {missing}: no such file or directory\n");
    }

    [Theory]
    [InlineData("create", "secret", "generic")]
    [InlineData("create", "secret", "generic", "app", "--bogus")]
    [InlineData("create", "secret", "tls", "web")]
    [InlineData("create", "secret", "ssh-auth", "deploy")]
    [InlineData("create", "secret", "opaque", "x")]
    public async Task MissingOrUnknownArguments_ExitTwo(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldStartWith("error: ");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Generic_UnknownFormat_ExitsTwo()
    {
        var result = await _cli.RunAsync("create", "secret", "generic", "app", "-o", "toml");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: --format: \"toml\" is not json or yaml\n");
    }

    [Fact]
    public async Task DockerRegistry_PrintsADockerConfigJsonSecret()
    {
        var result = await _cli.RunAsync("create", "secret", "docker-registry", "regcred", "-n", "web", "--docker-server", "ghcr.io", "--docker-username", "bot", "--docker-password", "pw", "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var expected = Convert.ToBase64String("{\"auths\":{\"ghcr.io\":{\"username\":\"bot\",\"password\":\"pw\",\"auth\":\"Ym90OnB3\"}}}"u8.ToArray());
        result.Stdout.ShouldContain($"\".dockerconfigjson\": \"{expected}\"");
        result.Stdout.ShouldContain("\"type\": \"kubernetes.io/dockerconfigjson\"");
    }

    [Theory]
    [InlineData("--docker-username", "bot")]
    [InlineData("--docker-password", Planted)]
    public async Task DockerRegistry_MissingCredential_IsAUsageError(string flag, string value)
    {
        var result = await _cli.RunAsync("create", "secret", "docker-registry", "regcred", flag, value);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: docker-registry: --docker-username and --docker-password are required\n");
        result.All.ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Tls_MatchingPair_PrintsATlsSecret()
    {
        var cert = _temp.Write("tls.crt", SmallKeys.First.Certificate);
        var key = _temp.Write("tls.key", SmallKeys.First.PrivateKey);

        var result = await _cli.RunAsync("create", "secret", "tls", "web-tls", "-n", "web", "--cert", cert, "--key", key);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain($"  tls.crt: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(SmallKeys.First.Certificate))}\n");
        result.Stdout.ShouldContain("type: kubernetes.io/tls\n");
    }

    [Fact]
    public async Task Tls_MismatchedPair_ExitsThreeWithoutKeyMaterial()
    {
        var cert = _temp.Write("tls.crt", SmallKeys.First.Certificate);
        var key = _temp.Write("tls.key", SmallKeys.Second.PrivateKey);

        var result = await _cli.RunAsync("create", "secret", "tls", "web-tls", "--cert", cert, "--key", key);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: tls: {cert} and {key} are not a matching certificate and private key\n");
        result.All.ShouldNotContain("BEGIN", Case.Sensitive);
    }

    [Fact]
    public async Task BasicAuth_PrintsUsernameAndPassword()
    {
        var result = await _cli.RunAsync("create", "secret", "basic-auth", "db", "--username", "app", "--password", "pw");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("  password: cHc=\n  username: YXBw\n");
        result.Stdout.ShouldContain("type: kubernetes.io/basic-auth\n");
    }

    [Fact]
    public async Task BasicAuth_NeitherFlag_IsAUsageError()
    {
        var result = await _cli.RunAsync("create", "secret", "basic-auth", "db");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: basic-auth: --username or --password is required\n");
    }

    [Fact]
    public async Task SshAuth_WithKnownHosts()
    {
        var key = _temp.Write("id", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        var hosts = _temp.Write("known_hosts", "example.com ssh-ed25519 AAAA\n");

        var result = await _cli.RunAsync("create", "secret", "ssh-auth", "deploy", "-n", "flux-system", "--ssh-privatekey", key, "--known-hosts", hosts);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("  known_hosts: ");
        result.Stdout.ShouldContain("  ssh-privatekey: ");
        result.Stdout.ShouldContain("type: kubernetes.io/ssh-auth\n");
    }

    [Fact]
    public async Task SshAuth_MissingKeyFile_ExitsThree()
    {
        var missing = _temp.File("id");

        var result = await _cli.RunAsync("create", "secret", "ssh-auth", "deploy", "--ssh-privatekey", missing);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: --ssh-privatekey: {missing}: no such file\n");
    }

    [Fact]
    public async Task Output_PipesIntoSealAsAReadableSecret()
    {
        var created = await _cli.RunAsync("create", "secret", "generic", "app", "-n", "web", "--from-literal", "k=v");

        var secret = SecretManifest.Read(GitOpsSecrets.Manifests.ManifestReader.Read(created.Stdout, "-").Single());

        secret.Metadata.QualifiedName.ShouldBe("web/app");
        secret.Data["k"].ShouldBe("v"u8.ToArray());
    }
}
