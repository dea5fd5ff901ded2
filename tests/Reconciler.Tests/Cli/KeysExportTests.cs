using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary><c>keys export</c> and <c>keys import</c> with key directories: what they write must be a key Secret the Bitnami controller takes.</summary>
public sealed class KeysExportTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The key Secrets of an exported List, as the Bitnami controller would read them.</summary>
    private static List<JsonObject> Items(string text, ManifestFormat format = ManifestFormat.Yaml)
    {
        var list = ManifestReader.Read(text, format == ManifestFormat.Yaml ? "export.yaml" : "export.json").Single().Root!.AsObject();
        list["kind"]!.GetValue<string>().ShouldBe("List");
        return list["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
    }

    private static void ShouldBeABitnamiKeySecret(JsonObject item, string expectedNamespace)
    {
        var name = item["metadata"]!["name"]!.GetValue<string>();
        KubernetesNames.IsValidSecretName(name).ShouldBeTrue($"\"{name}\" must be a valid Secret name");
        item["metadata"]!["namespace"]!.GetValue<string>().ShouldBe(expectedNamespace);
        item["metadata"]!["labels"]![KeySecrets.KeyLabel]!.GetValue<string>().ShouldBe(KeySecrets.ActiveValue);
        item["type"]!.GetValue<string>().ShouldBe("kubernetes.io/tls");
        item["data"]!["tls.crt"].ShouldNotBeNull();
        item["data"]!["tls.key"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Export_PemDirectory_ValidNameNamespaceLabelsAndType()
    {
        var keys = Path.Combine(_temp.Path, "pem");
        SealedFiles.WriteKeyPair(keys, "sealed-secrets-keyabcde", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);

        var result = await _cli.RunAsync("keys", "export", "--keys", keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var item = Items(result.Stdout).ShouldHaveSingleItem();
        ShouldBeABitnamiKeySecret(item, ControllerDefaults.Namespace);
        item["metadata"]!["name"]!.GetValue<string>().ShouldBe("sealed-secrets-keyabcde", "a PEM key is named by its file, not by its path");
        result.Stderr.ShouldBe($"exported 1 key from directory {keys}\n");
    }

    [Fact]
    public async Task Export_PemNamedUnlikeASecret_NamedByFingerprint()
    {
        var keys = Path.Combine(_temp.Path, "pem");
        SealedFiles.WriteKeyPair(keys, "My_Key", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using var key = TestKeys.New();

        var result = await _cli.RunAsync("keys", "export", "--keys", keys, "-n", "sealing");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var item = Items(result.Stdout).ShouldHaveSingleItem();
        ShouldBeABitnamiKeySecret(item, "sealing");
        item["metadata"]!["name"]!.GetValue<string>().ShouldBe($"{KeySecrets.NamePrefix}-{key.Fingerprint[..10]}");
    }

    [Fact]
    public async Task Export_AfterQuickstartGenerate_ReportsTheKeyOnce()
    {
        var keys = Path.Combine(_temp.Path, "keys");
        var generate = await _cli.RunAsync("keys", "generate", "--key-size", "2048", "--out-dir", keys, "--manifest", Path.Combine(keys, "sealing-key.yaml"));
        generate.ExitCode.ShouldBe(ExitCodes.Success, generate.ToString());

        var result = await _cli.RunAsync("keys", "export", "--keys", keys, "-o", "json", "-w", _temp.File("export.json"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBeEmpty("-w writes the file instead of standard output");
        result.Stderr.ShouldBe($"exported 1 key from directory {keys}\n", "PEM files and the manifest of one key are one key");
        File.GetUnixFileMode(_temp.File("export.json")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var text = File.ReadAllText(_temp.File("export.json"));
        text.ShouldStartWith("{");
        ShouldBeABitnamiKeySecret(Items(text, ManifestFormat.Json).ShouldHaveSingleItem(), ControllerDefaults.Namespace);
    }

    [Fact]
    public async Task Export_OldDashOFileSpelling_IsAUsageErrorNamingTheFormat()
    {
        var keys = Path.Combine(_temp.Path, "pem");
        SealedFiles.WriteKeyPair(keys, "k", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);

        var result = await _cli.RunAsync("keys", "export", "--keys", keys, "-o", _temp.File("keys.yaml"));

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe($"error: --format: \"{_temp.File("keys.yaml")}\" is not json or yaml\n");
        File.Exists(_temp.File("keys.yaml")).ShouldBeFalse();
    }

    [Fact]
    public async Task Import_IntoDirectory_WritesAValidKeySecretOnce()
    {
        var pem = Path.Combine(_temp.Path, "pem");
        SealedFiles.WriteKeyPair(pem, "k", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        var store = Directory.CreateDirectory(Path.Combine(_temp.Path, "store")).FullName;
        (await _cli.RunAsync("keys", "export", "--keys", pem, "-w", _temp.File("keys.yaml"))).ExitCode.ShouldBe(ExitCodes.Success);

        var first = await _cli.RunAsync("keys", "import", _temp.File("keys.yaml"), "--keys", store);
        var again = await _cli.RunAsync("keys", "import", _temp.File("keys.yaml"), "--keys", store);

        first.ExitCode.ShouldBe(ExitCodes.Success, first.ToString());
        first.Stdout.ShouldBe($"imported 1 key into directory {store}, 0 skipped\n");
        again.Stdout.ShouldBe($"imported 0 keys into directory {store}, 1 skipped\n");
        var written = Directory.GetFiles(store).ShouldHaveSingleItem();
        var secret = ManifestReader.ReadFile(written).Single().Root!.AsObject();
        secret["kind"]!.GetValue<string>().ShouldBe("Secret");
        ShouldBeABitnamiKeySecret(secret, ControllerDefaults.Namespace);
    }
}
