using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Cli;

public sealed class KeysCommandTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly CliRunner _cli = new() { Time = new FakeTimeProvider(Now) };
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Generate_OutDirAndJsonManifest_WriteTheSameKeyWithTheRightModes()
    {
        var manifest = _temp.File("manifest/key.json");
        var outDir = _temp.File("out");

        var result = await _cli.RunAsync("keys", "generate", "--key-size", "2048", "--out-dir", outDir, "--manifest", manifest, "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var keyFile = Directory.GetFiles(outDir, "*.key").Single();
        var name = Path.GetFileNameWithoutExtension(keyFile);
        name.ShouldMatch("^sealed-secrets-key[a-z0-9]{5}$");
        File.GetUnixFileMode(keyFile).ShouldBe(AtomicFile.OwnerOnly);
        File.GetUnixFileMode(Path.Combine(outDir, name + ".crt")).ShouldBe(AtomicFile.Default);
        (await File.ReadAllTextAsync(keyFile)).ShouldStartWith("-----BEGIN RSA PRIVATE KEY-----");

        var loaded = new DirectoryKeyStore(outDir).Load();
        using var ring = new KeyRing(loaded.Keys);
        var key = ring.Keys.Single();
        key.CanUnseal.ShouldBeTrue();
        key.NotBefore.ShouldBe(Now);
        key.PublicKey.KeySize.ShouldBe(2048);
        result.Stderr.ShouldBe($"generated key {name} (fingerprint {key.Fingerprint}, valid until {Now.AddDays(3650):yyyy-MM-dd})\n");
        result.Stdout.ShouldBeEmpty();

        File.GetUnixFileMode(manifest).ShouldBe(AtomicFile.OwnerOnly);
        var text = await File.ReadAllTextAsync(manifest);
        text.ShouldStartWith("{\n  \"apiVersion\": \"v1\",");
        text.ShouldContain($"\"namespace\": \"{ControllerDefaults.Namespace}\"", customMessage: "keys generate --manifest defaults to the namespace deploy/ installs the worker in");
        text.ShouldContain($"\"name\": \"{name}\"");
        var fromManifest = KeyMaterialReader.Read(System.Text.Encoding.UTF8.GetBytes(text), manifest);
        fromManifest.Keys.Single().Fingerprint.ShouldBe(key.Fingerprint);
        fromManifest.Keys.Single().Dispose();
    }

    [Fact]
    public async Task Generate_ManifestToStandardOutput_IsAControllerKeySecret()
    {
        var result = await _cli.RunAsync("keys", "generate", "--key-size", "2048", "--manifest", "-", "-n", "gitops-secrets");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldStartWith("apiVersion: v1\ndata:\n  tls.crt: ");
        result.Stdout.ShouldContain("  labels:\n    sealedsecrets.bitnami.com/sealed-secrets-key: active\n");
        result.Stdout.ShouldContain("  namespace: gitops-secrets\n");
        result.Stdout.ShouldEndWith("type: kubernetes.io/tls\n");
        var loaded = KeyMaterialReader.Read(System.Text.Encoding.UTF8.GetBytes(result.Stdout), "-");
        loaded.Problems.ShouldBeEmpty();
        loaded.Keys.Single().Dispose();
    }

    [Theory]
    [InlineData(new[] { "keys", "generate" }, "error: say where the key goes: --out-dir DIR and/or --manifest FILE ('-' for standard output)\n")]
    [InlineData(new[] { "keys", "generate", "--manifest", "-", "--key-size", "1024" }, "error: --key-size must be 2048, 3072 or 4096\n")]
    [InlineData(new[] { "keys", "generate", "--manifest", "-", "-o", "xml" }, "error: --format: \"xml\" is not json or yaml\n")]
    [InlineData(new[] { "keys", "cert" }, "error: --keys is required: the key file(s) or directory\n")]
    public async Task UsageErrors_ExitTwo(string[] args, string expected)
    {
        var result = await _cli.RunAsync(args);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe(expected);
        result.Stdout.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("keys")]
    [InlineData("keys", "generate", "--key-size", "big")]
    [InlineData("keys", "generate", "--bogus")]
    [InlineData("keys", "rotate")]
    public async Task ParseErrors_ExitTwoWithAOneLineError(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldStartWith("error: ");
        result.Stdout.ShouldBeEmpty();
        Directory.EnumerateFileSystemEntries(_temp.Path).ShouldBeEmpty();
    }

    [Fact]
    public async Task Cert_PrintsTheNewestCertificate_AndWarnsAboutBrokenFiles()
    {
        _temp.Write("a.key", SmallKeys.First.PrivateKey);
        _temp.Write("a.crt", SmallKeys.First.Certificate);
        _temp.Write("c.pem", SmallKeys.Third.Certificate + SmallKeys.Third.PrivateKey);
        _temp.Write("b.yaml", "kind: Secret\nmetadata: {name: b}\n");

        var result = await _cli.RunAsync("keys", "cert", "--keys", _temp.Path);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBe(SmallKeys.Third.Certificate);
        result.Stderr.ShouldBe($"warning: {_temp.File("b.yaml")}:1 (document 1): Secret b has no tls.key, skipped\n");
    }

    [Fact]
    public async Task Cert_CommaSeparatedKeys_AreAllRead()
    {
        var first = _temp.Write("1.pem", SmallKeys.First.Certificate);
        var second = _temp.Write("2.pem", SmallKeys.Second.Certificate);

        var result = await _cli.RunAsync("keys", "cert", "--keys", $"{first},{second}");

        result.Stdout.ShouldBe(SmallKeys.Second.Certificate);
    }

    [Fact]
    public async Task Cert_OnlyPrivateKeys_IsInvalidInput()
    {
        var key = _temp.Write("only.key", SmallKeys.First.PrivateKey);

        var result = await _cli.RunAsync("keys", "cert", "--keys", key);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe("error: no key with a certificate found\n");
    }

    [Fact]
    public async Task Cert_MissingPath_IsInvalidInput()
    {
        var missing = _temp.File("nope");

        var result = await _cli.RunAsync("keys", "cert", "--keys", missing);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldBe($"error: {missing}: no such key file or directory\n");
    }
}
