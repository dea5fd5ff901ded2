using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Manifests;

/// <summary>
/// Every bound of <see cref="ManifestLimits"/>: hostile input fails with one line naming the file, the
/// document and the limit, and never costs more than the limit allows.
/// </summary>
public sealed class ManifestLimitsTests
{
    private static ManifestException Fails(string text, ManifestLimits? limits = null, string source = "bad.yaml") =>
        Should.Throw<ManifestException>(() => ManifestReader.Read(text, source, limits));

    private static void ShouldBeOneLine(ManifestException e, string source, int document, string limit)
    {
        e.Message.ShouldNotContain("\n", customMessage: "an error is one line");
        e.Message.ShouldStartWith(source, customMessage: e.Message);
        e.Message.ShouldContain($"(document {document}", customMessage: e.Message);
        e.Message.ShouldContain(limit, customMessage: e.Message);
    }

    /// <summary>Nine levels of ten aliases each: 10^9 nodes if copied.</summary>
    public static string BillionLaughs(string indent = "")
    {
        var text = new StringBuilder($"{indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            text.Append(CultureInfo($"{indent}l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n"));
        }

        return text.ToString();
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    [InlineData("[{a: ", "}]")]
    public void Read_HundredThousandNestedFlowCollections_FailsOnTheDepthLimitWithoutOverflowingTheStack(string open, string close)
    {
        var depth = 100_000;
        // "x: " first: a file that starts with "{" is JSON, as kubectl decides too.
        var closed = "x: " + string.Concat(Enumerable.Repeat(open, depth)) + string.Concat(Enumerable.Repeat(close, depth)) + "\n";
        var unclosed = "kind: Secret\n---\nx: " + string.Concat(Enumerable.Repeat(open, depth)) + "\n";

        ShouldBeOneLine(Fails(closed), "bad.yaml", 1, "MaxDepth");
        var e = Fails(unclosed);
        ShouldBeOneLine(e, "bad.yaml", 2, "MaxDepth");
        e.Message.ShouldContain("limit of 100 levels");
    }

    [Fact]
    public void Read_HundredThousandNestedBlockSequencesOnOneLine_FailsOnTheDepthLimit()
    {
        ShouldBeOneLine(Fails(string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n"), "bad.yaml", 1, "MaxDepth");
    }

    [Fact]
    public void Read_HundredThousandNestedJsonArrays_FailsOnTheDepthLimit()
    {
        var e = Fails(new string('[', 100_000) + new string(']', 100_000), source: "bad.json");
        ShouldBeOneLine(e, "bad.json", 1, "MaxDepth");
    }

    [Fact]
    public void Read_NestingAtTheLimit_IsAccepted()
    {
        var limits = new ManifestLimits { MaxDepth = 5 };
        ManifestReader.Read("a: [[[{b: c}]]]\n", "ok.yaml", limits).Count.ShouldBe(1);
        ManifestReader.Read("{\"a\": [[[{\"b\": 1}]]]}", "ok.json", limits).Count.ShouldBe(1);
        ShouldBeOneLine(Fails("a: [[[[{b: c}]]]]\n", limits), "bad.yaml", 1, "MaxDepth");
        ShouldBeOneLine(Fails("{\"a\": [[[[{\"b\": 1}]]]]}", limits, "bad.json"), "bad.json", 1, "MaxDepth");
    }

    [Fact]
    public void Read_AliasesThatNestDeeperThanTheLimit_FailOnTheDepthLimit()
    {
        // Each alias sits one level deeper than the anchor it copies: the copies nest without any deep text.
        var text = new StringBuilder("a0: &a0 [x]\n");
        for (var i = 1; i < 200; i++)
        {
            text.Append(CultureInfo($"a{i}: &a{i} [*a{i - 1}]\n"));
        }

        ShouldBeOneLine(Fails(text.ToString()), "bad.yaml", 1, "MaxDepth");
    }

    [Theory]
    [InlineData("")]
    [InlineData("metadata:\n  annotations:\n    ")]
    public void Read_BillionLaughs_FailsAsExcessiveAliasing(string prefix)
    {
        var indent = prefix.Length == 0 ? string.Empty : "      ";
        var text = "apiVersion: v1\nkind: ConfigMap\n---\n" + prefix.TrimEnd(' ') + (prefix.Length == 0 ? string.Empty : "\n") + BillionLaughs(indent);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var e = Fails(text);

        ShouldBeOneLine(e, "bad.yaml", 2, "excessive aliasing");
        (GC.GetTotalAllocatedBytes(precise: true) - before).ShouldBeLessThan(10L * 1024 * 1024, "an alias bomb is refused before it is copied");
    }

    [Fact]
    public void Read_LargeScalarReferencedThousandsOfTimes_FailsAsExcessiveAliasing()
    {
        // 200 KB referenced 20,000 times: 4 GB once expanded, which go-yaml's node-count rule alone allows.
        var text = "big: &big " + new string('x', 200_000) + "\nrefs: [" + string.Join(",", Enumerable.Repeat("*big", 20_000)) + "]\n";

        var e = Fails(text, new ManifestLimits { MaxAliases = 100_000 });

        ShouldBeOneLine(e, "bad.yaml", 1, "MaxAliasExpansion");
        e.Message.ShouldContain("document contains excessive aliasing");
    }

    [Fact]
    public void Read_GoYamlAliasRatio_IsAppliedAsGoYamlDoes()
    {
        // 2,000 aliases of a one-node anchor in 2,001+ nodes is a 50% ratio: accepted; a 99%+ ratio is not.
        var accepted = "a: &a x\nb: [" + string.Join(",", Enumerable.Repeat("*a", 2000)) + "]\n";
        ManifestReader.Read(accepted, "ok.yaml", new ManifestLimits { MaxAliases = 10_000 }).Count.ShouldBe(1);

        GoYamlAliasRule.IsExcessive(decodeCount: 1000, aliasCount: 999).ShouldBeFalse("go-yaml needs more than 1,000 decodes");
        GoYamlAliasRule.IsExcessive(decodeCount: 10_000, aliasCount: 9_950).ShouldBeTrue("99.5% from aliases");
        GoYamlAliasRule.IsExcessive(decodeCount: 5_000_000, aliasCount: 600_000).ShouldBeTrue("12% of a very large document");
        GoYamlAliasRule.IsExcessive(decodeCount: 5_000_000, aliasCount: 400_000).ShouldBeFalse("8% of a very large document");
    }

    [Fact]
    public void Read_MergeKeysAndAFewAliases_AreStillAccepted()
    {
        var text = "base: &base {image: app, replicas: 2}\nweb: {<<: *base, port: 80}\nworker: {<<: *base}\nlist: [*base, *base]\n";

        var document = ManifestReader.Read(text, "ok.yaml").Single();

        document.Root!["worker"]!["image"]!.GetValue<string>().ShouldBe("app");
    }

    [Fact]
    public void Read_TooManyAliases_FailsOnTheAliasLimit()
    {
        var text = "a: &a x\nb: [" + string.Join(",", Enumerable.Repeat("*a", 1001)) + "]\n";
        ShouldBeOneLine(Fails(text), "bad.yaml", 1, "MaxAliases");
    }

    [Fact]
    public void Read_TooManyDocuments_FailsOnTheDocumentLimit()
    {
        var yaml = string.Concat(Enumerable.Repeat("a: 1\n---\n", 11));
        ShouldBeOneLine(Fails(yaml, new ManifestLimits { MaxDocuments = 10 }), "bad.yaml", 11, "MaxDocuments");
        ShouldBeOneLine(Fails(string.Concat(Enumerable.Repeat("{}", 11)), new ManifestLimits { MaxDocuments = 10 }, "bad.json"), "bad.json", 11, "MaxDocuments");
    }

    [Fact]
    public void Read_DefaultDocumentLimit_StopsAFileOfEmptyDocuments()
    {
        ShouldBeOneLine(Fails(string.Concat(Enumerable.Repeat("---\n", 20_000))), "bad.yaml", 10_001, "MaxDocuments");
    }

    [Fact]
    public void Read_TooLongScalar_FailsOnTheScalarLimit()
    {
        var limits = new ManifestLimits { MaxScalarChars = 100 };
        ManifestReader.Read("a: " + new string('x', 100) + "\n", "ok.yaml", limits).Count.ShouldBe(1);
        ShouldBeOneLine(Fails("a: ok\n---\na: " + new string('x', 101) + "\n", limits), "bad.yaml", 2, "MaxScalarChars");
        ShouldBeOneLine(Fails("{\"a\": \"" + new string('x', 101) + "\"}", limits, "bad.json"), "bad.json", 1, "MaxScalarChars");
    }

    [Fact]
    public void Read_TooManyKeys_FailsOnTheKeyLimit()
    {
        var limits = new ManifestLimits { MaxKeysPerMap = 3 };
        ShouldBeOneLine(Fails("x: {a: 1, b: 2, c: 3, d: 4}\n", limits), "bad.yaml", 1, "MaxKeysPerMap");
        ShouldBeOneLine(Fails("m: &m {a: 1, b: 2}\nn: {<<: *m, c: 3, d: 4}\n", limits), "bad.yaml", 1, "MaxKeysPerMap");
        ShouldBeOneLine(Fails("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", limits, "bad.json"), "bad.json", 1, "MaxKeysPerMap");
    }

    [Fact]
    public void Read_TooManyNodes_FailsOnTheNodeLimit()
    {
        var limits = new ManifestLimits { MaxNodes = 1000 };
        ShouldBeOneLine(Fails("a: [" + string.Join(",", Enumerable.Repeat("1", 1000)) + "]\n", limits), "bad.yaml", 1, "MaxNodes");
        ShouldBeOneLine(Fails("[" + string.Join(",", Enumerable.Repeat("1", 1000)) + "]", limits, "bad.json"), "bad.json", 1, "MaxNodes");
    }

    [Fact]
    public void Read_ContentOverTheFileLimit_FailsOnTheFileLimit()
    {
        var e = Should.Throw<ManifestException>(() => ManifestReader.Read(new byte[101], "big.yaml", new ManifestLimits { MaxFileBytes = 100 }));
        e.Message.ShouldBe("big.yaml: larger than the limit of 100 bytes (MaxFileBytes)");
    }

    [Fact]
    public void ReadFile_EndlessDevice_StopsAtTheFileLimit()
    {
        var e = Should.Throw<ManifestException>(() => BoundedInput.ReadFile("/dev/zero", 1024 * 1024));
        e.Message.ShouldBe("/dev/zero: larger than the limit of 1 MiB (MaxFileBytes)");
    }

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Read_InvalidUtf8_FailsNamingTheLineAndDocument(string format)
    {
        var good = format == "yaml" ? "a: 1\n---\n"u8.ToArray() : "{\"a\": 1}\n"u8.ToArray();
        var bad = format == "yaml" ? "kind: Secret\nnote: caf"u8.ToArray() : "{\"note\": \"caf"u8.ToArray();
        var tail = format == "yaml" ? "\n"u8.ToArray() : "\"}\n"u8.ToArray();
        byte[] content = [.. good, .. bad, 0xC3, 0x28, .. tail];

        var e = Should.Throw<ManifestException>(() => ManifestReader.Read(content, $"bad.{format}"));

        e.Message.ShouldContain("invalid UTF-8", customMessage: e.Message);
        e.Message.ShouldContain("(document 2)", customMessage: e.Message);
        e.Message.ShouldStartWith(format == "yaml" ? "bad.yaml:4" : "bad.json:2", customMessage: e.Message);
    }
}
