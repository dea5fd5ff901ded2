using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class UnsealCommandTests
{
    private readonly CliRunner _cli = new();

    public static TheoryData<string, string> ScopesAndEngines()
    {
        var data = new TheoryData<string, string>();
        foreach (var scope in Vectors.Scopes)
        {
            foreach (var engine in Engines.Names)
            {
                data.Add(scope, engine);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ScopesAndEngines))]
    public async Task Unseal_VectorOfEachScope_PrintsExpectedSecret(string scope, string engine)
    {
        var result = await _cli.RunAsync(
            "unseal", "--crypto-engine", engine, "-o", "yaml",
            "--recovery-private-key", Vectors.Path("sealing-key.key.pem"),
            "-f", Vectors.Path($"sealedsecret-{scope}.json"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("foo: YmFy");
        result.Stdout.ShouldContain("password: aHVudGVyMiciPQo=");
        result.Stdout.ShouldContain("empty: \"\"");
        result.Stdout.ShouldContain("name: mysecret");
        result.Stdout.ShouldContain("namespace: myns");
        result.Stderr.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("sealing-key.secret.json")]
    [InlineData("sealing-key.key.pem")]
    public async Task Unseal_KeyAsSecretOrPem_Works(string keyFile)
    {
        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path(keyFile), "-f", Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("\"foo\": \"YmFy\"");
    }

    [Fact]
    public async Task Unseal_KeyInAList_Works()
    {
        using var temp = new TempDirectory();
        var secret = File.ReadAllText(Vectors.Path("sealing-key.secret.json"));
        var broken = """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"broken"},"data":{"tls.key":"bm90IGEga2V5"}}""";
        var list = temp.Write("keys.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + broken + "," + secret + "]}");

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", list, "-f", Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stderr.ShouldContain("warning:");
        result.Stderr.ShouldContain("items[0]");
        result.Stdout.ShouldContain("\"foo\": \"YmFy\"");
    }

    [Theory]
    [InlineData("\"name\": \"mysecret\"", "\"name\": \"renamed\"")]
    [InlineData("\"namespace\": \"myns\"", "\"namespace\": \"otherns\"")]
    public async Task Unseal_RenamedOrMovedStrictSealedSecret_FailsWithoutPlaintext(string from, string to)
    {
        using var temp = new TempDirectory();
        var moved = temp.Write("moved.json", Vectors.Text("sealedsecret-strict.json").Replace(from, to, StringComparison.Ordinal));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.key.pem"), "-f", moved);

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed);
        result.Stderr.ShouldContain("no key could decrypt secret (empty, foo, password)");
        result.Stderr.ShouldContain("moved.json");
        result.Stdout.ShouldBeEmpty();
        result.All.ShouldNotContain("YmFy");
        result.All.ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Unseal_NamespaceWideMovedToOtherName_StillOpens_ButNotToOtherNamespace()
    {
        using var temp = new TempDirectory();
        var text = Vectors.Text("sealedsecret-namespace-wide.json");
        var renamed = temp.Write("renamed.json", text.Replace("\"name\": \"mysecret\"", "\"name\": \"other\"", StringComparison.Ordinal));
        var moved = temp.Write("moved.json", text.Replace("\"namespace\": \"myns\"", "\"namespace\": \"otherns\"", StringComparison.Ordinal));
        var key = Vectors.Path("sealing-key.key.pem");

        (await _cli.RunAsync("unseal", "--recovery-private-key", key, "-f", renamed)).ExitCode.ShouldBe(ExitCodes.Success);
        (await _cli.RunAsync("unseal", "--recovery-private-key", key, "-f", moved)).ExitCode.ShouldBe(ExitCodes.DecryptionFailed);
    }

    [Fact]
    public async Task Unseal_OneTamperedValue_YieldsNoSecretAndNamesOnlyThatKey()
    {
        using var temp = new TempDirectory();
        var text = Vectors.Text("sealedsecret-strict.json");
        var foo = Vectors.Items.Single(i => i.Scope == "strict" && i.ItemKey == "foo").CiphertextBase64Std;
        var bytes = Convert.FromBase64String(foo);
        bytes[^1] ^= 0x80;
        var tampered = temp.Write("tampered.json", text.Replace(foo, Convert.ToBase64String(bytes), StringComparison.Ordinal));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.key.pem"), "-f", tampered);

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed);
        result.Stderr.ShouldContain("no key could decrypt secret (foo)");
        result.Stdout.ShouldBeEmpty("a SealedSecret with any failing item must yield no Secret at all");
        result.All.ShouldNotContain("aHVudGVyMiciPQo=");
    }

    [Fact]
    public async Task Unseal_WithAnotherKey_Fails()
    {
        using var temp = new TempDirectory();
        using var other = TestKeys.Old();
        var keyFile = temp.Write("other.yaml", TestKeys.SecretManifest(other));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", keyFile, "-f", Vectors.Path("sealedsecret-cluster-wide.json"));

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed);
        result.Stderr.ShouldContain("no key could decrypt secret (empty, foo, password)");
    }

    [Fact]
    public async Task Unseal_BadBase64_ReportsKeyAndFails()
    {
        using var temp = new TempDirectory();
        var text = Vectors.Text("sealedsecret-strict.json");
        var foo = Vectors.Items.Single(i => i.Scope == "strict" && i.ItemKey == "foo").CiphertextBase64Std;
        var bad = temp.Write("bad.json", text.Replace(foo, "!!not-base64!!", StringComparison.Ordinal));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.key.pem"), "-f", bad);

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed);
        result.Stderr.ShouldContain("(foo)");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Unseal_TwoKeys_CommaSeparatedAndRepeated_BothAccepted()
    {
        using var temp = new TempDirectory();
        using var other = TestKeys.Old();
        var otherFile = temp.Write("other.yaml", TestKeys.SecretManifest(other));

        var comma = await _cli.RunAsync("unseal", "--recovery-private-key", $"{otherFile},{Vectors.Path("sealing-key.key.pem")}", "-f", Vectors.Path("sealedsecret-strict.json"));
        var repeated = await _cli.RunAsync("unseal", "--recovery-private-key", otherFile, "--recovery-private-key", Vectors.Path("sealing-key.key.pem"), "-f", Vectors.Path("sealedsecret-strict.json"));

        comma.ExitCode.ShouldBe(ExitCodes.Success, comma.ToString());
        repeated.ExitCode.ShouldBe(ExitCodes.Success, repeated.ToString());
    }

    [Fact]
    public async Task Unseal_FromStandardInput_Works()
    {
        var result = await _cli.RunWithInputAsync(Vectors.Text("sealedsecret-cluster-wide.json"), "unseal", "--recovery-private-key", Vectors.Path("sealing-key.key.pem"));

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
    }

    [Fact]
    public async Task Unseal_WithoutKeys_IsAUsageError()
    {
        var result = await _cli.RunAsync("unseal", "-f", Vectors.Path("sealedsecret-strict.json"));

        result.ExitCode.ShouldBe(ExitCodes.Usage);
        result.Stderr.ShouldStartWith("error: --recovery-private-key is required");
    }

    [Fact]
    public async Task Unseal_OutputFile_IsOwnerOnly()
    {
        using var temp = new TempDirectory();
        var output = temp.File("secret.json");

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Vectors.Path("sealing-key.key.pem"), "-f", Vectors.Path("sealedsecret-strict.json"), "-w", output);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        File.GetUnixFileMode(output).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        result.Stdout.ShouldBeEmpty();
    }
}
