using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// A <c>kind: List</c> of SealedSecrets (what <c>kubectl get sealedsecrets -o yaml</c> writes) is read item by
/// item by every command that reads SealedSecrets, not only <c>sync</c> (issue 17): <c>validate</c>, <c>unseal</c>,
/// <c>reseal</c> (in place, every other byte of the List kept) and <c>keys coverage</c>.
/// </summary>
public sealed class SealedSecretListTests : IDisposable
{
    private const string Planted = "planted-list-value-9191";

    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();
    private readonly string _keys;
    private readonly string _oldFingerprint;
    private readonly string _newFingerprint;

    public SealedSecretListTests()
    {
        _keys = Path.Combine(_temp.Path, "keys");
        SealedFiles.WriteKeyPair(_keys, "old", TestKeys.OldCertificatePem, TestKeys.OldPrivateKeyPem);
        SealedFiles.WriteKeyPair(_keys, "new", TestKeys.NewCertificatePem, TestKeys.NewPrivateKeyPem);
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        _oldFingerprint = oldKey.Fingerprint;
        _newFingerprint = newKey.Fingerprint;
    }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, string> Values(string name) => new(StringComparer.Ordinal)
    {
        ["password"] = $"{Planted}-{name}",
        ["user"] = name,
    };

    /// <summary>
    /// A List as kubectl prints it (items indented under <c>items:</c>), with a comment and a ConfigMap item the
    /// commands must leave alone: one SealedSecret annotated with its key, one without the annotation.
    /// </summary>
    private string WriteYamlList(SealingKey key, string file = "list.yaml")
    {
        var items = new[]
        {
            SealedFiles.Yaml(SealedFiles.Seal(key, "team", "db", Values("db"))),
            "apiVersion: v1\nkind: ConfigMap   # not a secret\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
            SealedFiles.Yaml(SealedFiles.Seal(key, "team", "api", Values("api"), annotate: false)),
        };
        var text = "# kubectl get sealedsecrets -n team -o yaml\napiVersion: v1\nitems:\n"
            + string.Concat(items.Select(Indented))
            + "kind: List\nmetadata:\n  resourceVersion: \"\"\n";
        return _temp.Write(file, text);
    }

    private string WriteJsonList(SealingKey key, string file = "list.json")
    {
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["items"] = new JsonArray(
                SealedSecretManifest.ToNode(SealedFiles.Seal(key, "team", "web", Values("web"), SealingScope.NamespaceWide)),
                SealedSecretManifest.ToNode(SealedFiles.Seal(key, "team", "cache", Values("cache"), annotate: false))),
            ["kind"] = "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = string.Empty },
        };
        return _temp.Write(file, ManifestFormats.Write([list], ManifestFormat.Json));
    }

    /// <summary>One document's YAML as an item of a block sequence: "- " before the first line, two spaces before the others.</summary>
    private static string Indented(string yaml) =>
        string.Concat(yaml.TrimEnd('\n').Split('\n').Select((line, i) => (i == 0 ? "- " : "  ") + line + "\n"));

    /// <summary>Every SealedSecret of a file, List items included, opened with the given key alone (null when it does not open).</summary>
    private static Dictionary<string, Dictionary<string, string>?> Open(string file, SealingKey key)
    {
        using var ring = new KeyRing([key]);
        var unsealer = new Unsealer(Engines.Cipher("openssl"));
        return ManifestReader.ReadFile(file)
            .SelectMany(SealedSecretManifest.SealedSecretsIn)
            .Select(SealedSecretManifest.Read)
            .ToDictionary(
                s => s.Metadata.QualifiedName,
                s => unsealer.Unseal(s, ring).Secret?.Data.ToDictionary(p => p.Key, p => System.Text.Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal));
    }

    /// <summary>The file's text with sealed values and key fingerprints replaced by placeholders.</summary>
    private string Masked(string file)
    {
        var text = File.ReadAllText(file);
        foreach (var sealedSecret in ManifestReader.ReadFile(file).SelectMany(SealedSecretManifest.SealedSecretsIn).Select(SealedSecretManifest.Read))
        {
            foreach (var value in sealedSecret.EncryptedData.Values)
            {
                text = text.Replace(value, "<sealed>", StringComparison.Ordinal);
            }
        }

        return text.Replace(_oldFingerprint, "<key>", StringComparison.Ordinal).Replace(_newFingerprint, "<key>", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_YamlList_ChecksEachSealedSecretItemByIndex()
    {
        using var key = TestKeys.Old();
        var file = WriteYamlList(key);

        var result = await _cli.RunAsync("validate", "--keys", _keys, file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain($"(document 1, items[0]): SealedSecret team/db (strict, decrypts)", customMessage: result.ToString());
        result.Stdout.ShouldContain($"(document 1, items[2]): SealedSecret team/api (strict, decrypts)", customMessage: result.ToString());
        result.Stdout.ShouldEndWith("2 valid, 0 invalid, 0 not decryptable\n", customMessage: "the ConfigMap item is not a SealedSecret and is ignored, as the worker ignores it");
        result.All.ShouldNotContain(Planted, customMessage: "no value in the output");
    }

    [Fact]
    public async Task Validate_ListWithABadItem_NamesTheItemAndExitsThree()
    {
        using var key = TestKeys.Old();
        var file = WriteYamlList(key);
        File.WriteAllText(file, File.ReadAllText(file).Replace("name: api", "name: Bad_Name", StringComparison.Ordinal));

        var result = await _cli.RunAsync("validate", file);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("(document 1, items[2])", customMessage: "the error names the bad item");
        result.Stdout.ShouldEndWith("1 valid, 1 invalid, 0 not decryptable\n", customMessage: "the good item is still checked");
    }

    [Fact]
    public async Task Validate_ListWhoseItemsIsNotASequence_IsOneInvalidDocument()
    {
        var file = _temp.Write("broken.yaml", "apiVersion: v1\nkind: List\nitems: {kind: SealedSecret}\n");

        var result = await _cli.RunAsync("validate", file);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("items of a List must be a sequence");
        result.Stdout.ShouldBe("0 valid, 1 invalid, 0 not decryptable\n");
    }

    [Fact]
    public async Task Unseal_YamlList_PrintsEverySecret()
    {
        using var key = TestKeys.Old();
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "List",
            ["items"] = new JsonArray(
                SealedSecretManifest.ToNode(SealedFiles.Seal(key, "team", "db", Values("db"))),
                SealedSecretManifest.ToNode(SealedFiles.Seal(key, "team", "api", Values("api")))),
        };
        var file = _temp.Write("list.yaml", ManifestFormats.Write([list], ManifestFormat.Yaml));

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Path.Combine(_keys, "old.key"), "-f", file, "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secrets = ManifestReader.Read(System.Text.Encoding.UTF8.GetBytes(result.Stdout), "stdout").Select(d => d.Root!).ToList();
        secrets.Select(s => s["metadata"]!["name"]!.GetValue<string>()).ShouldBe(["db", "api"], "one Secret per item, in order");
        foreach (var secret in secrets)
        {
            var name = secret["metadata"]!["name"]!.GetValue<string>();
            secret["kind"]!.GetValue<string>().ShouldBe("Secret");
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]!["password"]!.GetValue<string>())).ShouldBe($"{Planted}-{name}");
        }
    }

    [Fact]
    public async Task Unseal_ListWithAnItemOfAnotherKind_NamesTheItem()
    {
        using var key = TestKeys.Old();
        var file = WriteYamlList(key);

        var result = await _cli.RunAsync("unseal", "--recovery-private-key", Path.Combine(_keys, "old.key"), "-f", file);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("(document 1, items[1])", customMessage: result.ToString());
        result.Stderr.ShouldContain("expected a SealedSecret, found ConfigMap");
        result.All.ShouldNotContain(Planted, customMessage: "nothing is printed when the input is refused");
    }

    [Fact]
    public async Task Reseal_YamlList_RewritesEachItemInPlace_AndKeepsEveryOtherByte()
    {
        using var oldKey = TestKeys.Old();
        var file = WriteYamlList(oldKey);
        var before = Masked(file);

        var result = await _cli.RunAsync("reseal", _temp.Path, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("SealedSecrets: 2, values: 4, rewritten: 2 (4 values in 1 files)", customMessage: result.ToString());
        using var newKey = TestKeys.New();
        var opened = Open(file, newKey);
        opened.Keys.ShouldBe(["team/db", "team/api"], ignoreOrder: true);
        opened["team/db"].ShouldBe(Values("db"), "team/db opens with the new key alone and keeps its values");
        opened["team/api"].ShouldBe(Values("api"), "team/api opens with the new key alone and keeps its values");
        Open(file, oldKey).Values.ShouldAllBe(v => v == null, "nothing opens with the old key any more");

        // Outside the values and the sealing-key annotation (added to the item that lacked it, at the item's own
        // indentation), every byte is as it was: the comment, the ConfigMap item, the List's own fields.
        var after = Masked(file);
        var expected = before.Replace(
            "    name: api\n    namespace: team\n  spec:",
            "    name: api\n    namespace: team\n    annotations:\n      gitops-secrets.io/sealing-key: <key>\n  spec:",
            StringComparison.Ordinal);
        expected.ShouldNotBe(before, "the expectation adds the annotation");
        after.ShouldBe(expected, $"the List is rewritten in place; before:\n{before}\nafter:\n{after}");
        result.All.ShouldNotContain(Planted);

        var second = await _cli.RunAsync("reseal", _temp.Path, "--keys", _keys);
        second.Stdout.ShouldContain("rewritten: 0 (0 values in 0 files), skipped: 2 (current)", customMessage: "the List is current after one reseal");
    }

    [Fact]
    public async Task Reseal_JsonList_RewritesEachItemInPlace()
    {
        using var oldKey = TestKeys.Old();
        var file = WriteJsonList(oldKey);

        var result = await _cli.RunAsync("reseal", _temp.Path, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        using var newKey = TestKeys.New();
        var opened = Open(file, newKey);
        opened["team/web"].ShouldBe(Values("web"));
        opened["team/cache"].ShouldBe(Values("cache"));
        var list = JsonNode.Parse(File.ReadAllText(file))!;
        list["kind"]!.GetValue<string>().ShouldBe("List", "still one JSON List");
        list["items"]!.AsArray().ShouldAllBe(i => i!["metadata"]!["annotations"]![Unsealer.SealingKeyAnnotation]!.GetValue<string>() == _newFingerprint);
        File.ReadAllText(file).ShouldContain("\n    {\n      \"kind\": \"SealedSecret\"", customMessage: "indented JSON stays indented");
    }

    [Fact]
    public async Task Reseal_CheckOnAStaleList_ExitsSixAndNamesTheItems()
    {
        using var oldKey = TestKeys.Old();
        var file = WriteYamlList(oldKey);
        var bytes = File.ReadAllBytes(file);

        var result = await _cli.RunAsync("reseal", "--check", _temp.Path, "--keys", _keys);

        result.ExitCode.ShouldBe(ExitCodes.ChangesPending, result.ToString());
        result.All.ShouldContain("(document 1, items[0])", customMessage: result.ToString());
        result.All.ShouldContain("(document 1, items[2])", customMessage: result.ToString());
        File.ReadAllBytes(file).ShouldBe(bytes, "--check writes nothing");
    }

    [Fact]
    public async Task KeysCoverage_List_CountsEachItemAgainstItsKey()
    {
        using var oldKey = TestKeys.Old();
        using var newKey = TestKeys.New();
        WriteYamlList(oldKey, "old.yaml");
        WriteJsonList(newKey, "new.json");

        var result = await _cli.RunAsync("keys", "coverage", _temp.Path, "--keys", _keys, "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var report = JsonNode.Parse(result.Stdout)!;
        var counts = report["keys"]!.AsArray().ToDictionary(k => k!["fingerprint"]!.GetValue<string>(), k => k!["manifests"]!.GetValue<int>());
        counts.ShouldBe(new Dictionary<string, int> { [_oldFingerprint] = 2, [_newFingerprint] = 2 }, ignoreOrder: true, customMessage: result.Stdout);
        report["unknown"]!.AsArray().ShouldBeEmpty();
        var table = await _cli.RunAsync("keys", "coverage", _temp.Path, "--keys", _keys);
        table.Stdout.ShouldContain("new.json (document 1, items[1])", customMessage: $"an item is located by its index:\n{table.Stdout}");
    }
}
