using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>Our output opens with an independent implementation, and theirs opens with our <c>unseal</c>.</summary>
public sealed class PeerCompatibilityTests
{
    private readonly CliRunner _cli = new();

    [Fact]
    public async Task Unseal_ValuesSealedByLinodeKubesealEncrypt_OpenToTheirPlaintexts()
    {
        using var temp = new TempDirectory();
        using var key = Vectors.LoadKey();
        var publicKey = temp.Write("public.pem", key.PublicKey.ExportSubjectPublicKeyInfoPem());
        var plaintexts = new Dictionary<string, string> { ["username"] = "admin", ["password"] = "p@ss: w0rd\n\"quoted\"", ["unicode"] = "ünïcødé ✓" };
        var sealedValues = await NodePeers.LinodeSealAsync(publicKey, "payments", plaintexts);
        var manifest = new JsonObject
        {
            ["apiVersion"] = "bitnami.com/v1alpha1",
            ["kind"] = "SealedSecret",
            ["metadata"] = new JsonObject
            {
                ["name"] = "from-linode",
                ["namespace"] = "payments",
                ["annotations"] = new JsonObject { ["sealedsecrets.bitnami.com/namespace-wide"] = "true" },
            },
            ["spec"] = new JsonObject { ["encryptedData"] = new JsonObject(sealedValues.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) },
        };
        var file = temp.Write("linode.json", manifest.ToJsonString());

        foreach (var engine in Engines.Names)
        {
            var result = await _cli.RunAsync("unseal", "--crypto-engine", engine, "--recovery-private-key", Vectors.Path("sealing-key.secret.json"), "-f", file);

            result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
            var data = JsonNode.Parse(result.Stdout)!["data"]!.AsObject();
            foreach (var (name, plaintext) in plaintexts)
            {
                Encoding.UTF8.GetString(Convert.FromBase64String(data[name]!.GetValue<string>())).ShouldBe(plaintext, $"{engine}: {name}");
            }
        }
    }

    [Theory]
    [InlineData("strict", "myapp/db")]
    [InlineData("namespace-wide", "myapp")]
    [InlineData("cluster-wide", "")]
    public async Task Seal_Output_OpensWithNodeCryptoUnderTheScopesLabel(string scope, string label)
    {
        using var temp = new TempDirectory();
        var secret = temp.Write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: myapp\nstringData:\n  password: s3cret-✓\n  blob: \"\\x00\\x01\"\n");

        var result = await _cli.RunAsync("seal", "--cert", Vectors.Path("sealing-key.crt.pem"), "--scope", scope, "-f", secret);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var encrypted = JsonNode.Parse(result.Stdout)!["spec"]!["encryptedData"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        var opened = await NodePeers.NodeUnsealAsync(Vectors.Path("sealing-key.key.pem"), label, encrypted);
        opened.ShouldNotBeNull($"node could not open our {scope} output with label '{label}'");
        Encoding.UTF8.GetString(opened["password"]).ShouldBe("s3cret-✓");
        opened["blob"].ShouldBe([0, 1]);

        (await NodePeers.NodeUnsealAsync(Vectors.Path("sealing-key.key.pem"), label + "x", encrypted)).ShouldBeNull("a wrong label must not open");
    }
}
