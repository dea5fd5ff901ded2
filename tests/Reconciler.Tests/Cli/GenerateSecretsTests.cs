using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class GenerateSecretsTests : IDisposable
{
    private const string PlantedFile = "planted-file-content-5151";
    private const string PlantedEnv = "planted-env-value-6262";
    private const string PlantedLiteral = "planted-literal-7171";
    private const string PlantedPassword = "planted-docker-password-8080";
    private const string PlantedSshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-ssh-key-9090\n-----END OPENSSH PRIVATE KEY-----\n";

    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();
    private readonly string _cert;
    private readonly string _spec;

    public GenerateSecretsTests()
    {
        _cert = _temp.Write("keys/new.crt", TestKeys.NewCertificatePem);
        _temp.Write("inputs/ca.pem", PlantedFile);
        _temp.Write("inputs/id_ed25519", PlantedSshKey);
        _temp.Write("inputs/docker-password", PlantedPassword + "\n");
        _spec = _temp.Write("inputs/spec.yaml", """
            # Secrets of the platform
            secrets:
              - name: zeta
                namespace: payments
                labels: {team: payments}
                annotations: {owner: ops}
                data:
                  token: {env: API_TOKEN}
                  ca.pem: {file: ca.pem}
              - name: alpha
                namespace: payments
                scope: namespace-wide
                data:
                  password: {generate: {length: 24, alphabet: alphanumeric}}
                  session: {generate: {length: 16, alphabet: hex}}
                  pin: {generate: {length: 10, chars: "ab"}}
                  user: {literal: planted-literal-7171}
              - name: shared
                namespace: infra
                scope: cluster-wide
                type: kubernetes.io/basic-auth
                data:
                  username: {literal: admin}
                  password: {generate: {length: 32, alphabet: base64}}
            """);
        _cli.Environment["API_TOKEN"] = PlantedEnv;
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliResult> GenerateAsync(string output) => _cli.RunAsync(
        "generate-secrets", "--spec", _spec, "-w", output, "--sealed-secrets-cert", _cert,
        "--git-private-key-file", _temp.File("inputs/id_ed25519"),
        "--docker-io-user", "robot", "--docker-io-password-file", _temp.File("inputs/docker-password"));

    [Fact]
    public async Task Generate_FromSpecAndFlags_OpensToItsInputs_InNamespaceNameOrder()
    {
        var output = _temp.File("cluster/platform/gitops-secrets.yaml");

        var result = await GenerateAsync(output);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var opened = SealedFiles.Open(output, TestKeys.New());
        opened.Select(o => o.Name).ShouldBe(["flux-system/docker-io-credentials", "flux-system/flux-git-deploy", "infra/shared", "payments/alpha", "payments/zeta"]);
        opened.ShouldAllBe(o => o.Values != null);
        var values = opened.ToDictionary(o => o.Name, o => o.Values!);
        values["payments/zeta"]["token"].ShouldBe(PlantedEnv);
        values["payments/zeta"]["ca.pem"].ShouldBe(PlantedFile);
        values["payments/alpha"]["user"].ShouldBe(PlantedLiteral);
        values["payments/alpha"]["password"].ShouldMatch("^[A-Za-z0-9]{24}$");
        values["payments/alpha"]["session"].ShouldMatch("^[0-9a-f]{16}$");
        values["payments/alpha"]["pin"].ShouldMatch("^[ab]{10}$");
        values["infra/shared"]["password"].ShouldMatch("^[A-Za-z0-9+/]{32}$");
        values["flux-system/flux-git-deploy"]["ssh-privatekey"].ShouldBe(PlantedSshKey);
        var docker = JsonNode.Parse(values["flux-system/docker-io-credentials"][".dockerconfigjson"])!;
        docker["auths"]!["https://index.docker.io/v1/"]!["password"]!.GetValue<string>().ShouldBe(PlantedPassword, "the password file's trailing newline is dropped");

        var documents = ManifestReader.ReadFile(output).Select(SealedSecretManifest.Read).ToDictionary(s => s.Metadata.QualifiedName);
        documents["payments/alpha"].Scope.ShouldBe(SealingScope.NamespaceWide);
        documents["infra/shared"].Scope.ShouldBe(SealingScope.ClusterWide);
        documents["infra/shared"].Template.Type.ShouldBe("kubernetes.io/basic-auth");
        documents["payments/zeta"].Template.Metadata.Labels["team"].ShouldBe("payments");
        documents["payments/zeta"].Template.Metadata.Annotations["owner"].ShouldBe("ops");
        documents["payments/zeta"].Metadata.Annotations[Unsealer.SealingKeyAnnotation].ShouldBe(TestKeys.New().Fingerprint);
    }

    [Fact]
    public async Task Generate_TwiceFromSameInputs_DiffersOnlyInCiphertext()
    {
        var first = _temp.File("out/first.yaml");
        var second = _temp.File("out/second.yaml");

        (await GenerateAsync(first)).ExitCode.ShouldBe(ExitCodes.Success);
        (await GenerateAsync(second)).ExitCode.ShouldBe(ExitCodes.Success);

        Masked(first).ShouldBe(Masked(second));
        File.ReadAllText(first).ShouldNotBe(File.ReadAllText(second));
    }

    [Fact]
    public async Task Generate_NeverPrintsOrWritesPlaintext()
    {
        var output = _temp.File("out/sealed.yaml");

        var result = await GenerateAsync(output);
        var toStdout = await _cli.RunAsync("generate-secrets", "--spec", _spec, "--cert", _cert, "--verbose");

        foreach (var text in new[] { result.All, toStdout.Stderr, File.ReadAllText(output) })
        {
            foreach (var planted in new[] { PlantedFile, PlantedEnv, PlantedLiteral, PlantedPassword, "planted-ssh-key" })
            {
                text.ShouldNotContain(planted);
            }
        }

        toStdout.Stdout.ShouldContain("kind: SealedSecret");
        toStdout.Stdout.ShouldNotContain(PlantedEnv);
    }

    [Fact]
    public async Task Generate_MissingEnvironmentVariable_ErrorNamesSpecEntryKeyAndVariable()
    {
        _cli.Environment.Remove("API_TOKEN");
        var output = _temp.File("out/none.yaml");

        var result = await GenerateAsync(output);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain(_spec);
        result.Stderr.ShouldContain("secrets[0] (payments/zeta): data.token: environment variable API_TOKEN is not set");
        File.Exists(output).ShouldBeFalse();
    }

    [Theory]
    [InlineData("{generate: {length: 8, alphabet: octal}}", "generate.alphabet \"octal\"")]
    [InlineData("{file: missing.txt}", "no such file")]
    [InlineData("{literal: a, env: B}", "exactly one source")]
    public async Task Generate_BadSource_ErrorNamesEntryAndKey(string source, string expected)
    {
        var spec = _temp.Write("inputs/bad.yaml", $"- name: s\n  namespace: ns\n  data:\n    k: {source}\n");

        var result = await _cli.RunAsync("generate-secrets", "--spec", spec, "--cert", _cert);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("secrets[0] (ns/s): data.k");
        result.Stderr.ShouldContain(expected);
    }

    private static string Masked(string file)
    {
        var text = File.ReadAllText(file);
        foreach (var document in ManifestReader.ReadFile(file))
        {
            foreach (var value in SealedSecretManifest.Read(document).EncryptedData.Values)
            {
                text = text.Replace(value, "<sealed>", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
