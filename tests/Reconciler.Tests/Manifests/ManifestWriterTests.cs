using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Manifests;

public sealed class ManifestWriterTests
{
    public static TheoryData<string> TrickyStrings =>
    [
        "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "Null", "~", string.Empty,
        "123", "-7", "1_000", "1.5", "1e3", ".5", "0x1F", "0o17", "0b11", "012", ".inf", "-.Inf", ".nan",
        "- x", "-x", "-", "? x", "?x", ":x", "a: b", "a:b", "a #b", "a#b", "#a", "x:", "---", "...",
        " lead", "trail ", "tab\tinside", "\ttab", "quote\"inside", "'single'", "back\\slash",
        "new\nline", "cr\rhere", "nul\0byte", "bell\a", "del\u007f", "nel\u0085", "ls\u2028x", "ps\u2029x",
        "\u2028", "émoji 😀", "@at", "`tick", "%pct", "!bang", "&amp", "*star", "|pipe", ">gt",
        "[a]", "{a}", "a,b", "a, b", "12:30", "2026-12-01", "=", "<<", "hello world", "AgBy/+==",
    ];

    private static JsonNode ReadBack(string text, string source) => ManifestReader.Read(text, source).Single().Root!;

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void ToYaml_StringValue_ReadsBackAsTheSameString(string value)
    {
        var node = new JsonObject { ["v"] = value };

        var yaml = ManifestWriter.ToYaml(node);

        ReadBack(yaml, "rt.yaml")["v"]!.GetValue<string>().ShouldBe(value, $"written as: {yaml}");
    }

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void ToYaml_StringKey_ReadsBackAsTheSameKey(string key)
    {
        var node = new JsonObject { [key] = "v" };

        var yaml = ManifestWriter.ToYaml(node);

        ReadBack(yaml, "rt.yaml").AsObject().Single().Key.ShouldBe(key, $"written as: {yaml}");
    }

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void ToJson_StringValue_ReadsBackAsTheSameString(string value)
    {
        var json = ManifestWriter.ToJson(new JsonObject { ["v"] = value });

        ReadBack(json, "rt.json")["v"]!.GetValue<string>().ShouldBe(value, $"written as: {json}");
    }

    [Theory]
    [InlineData("yes", "\"yes\"")]
    [InlineData("123", "\"123\"")]
    [InlineData("1.5", "\"1.5\"")]
    [InlineData("null", "\"null\"")]
    [InlineData("~", "\"~\"")]
    [InlineData("", "\"\"")]
    [InlineData("hello", "hello")]
    [InlineData("kubernetes.io/tls", "kubernetes.io/tls")]
    [InlineData("AgBy/+==", "AgBy/+==")]
    [InlineData("-x", "-x")]
    [InlineData("- x", "\"- x\"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("new\nline", "\"new\\nline\"")]
    [InlineData("tab\t", "\"tab\\t\"")]
    [InlineData("q\"\\", "q\"\\")]
    [InlineData("bell\a", "\"bell\\u0007\"")]
    public void YamlString_QuotesOnlyWhenNeeded(string value, string expected)
    {
        ManifestWriter.YamlString(value).ShouldBe(expected);
    }

    [Theory]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    public void YamlString_UnicodeLineSeparators_AreEscapedNotWrittenRaw(string separator)
    {
        // YAML 1.1 readers (go-yaml, YamlDotNet) treat U+2028/U+2029 as line breaks and fold them away.
        ManifestWriter.YamlString($"a{separator}b").ShouldNotContain(separator);
    }

    [Fact]
    public void ToYaml_Nesting_IsBlockStyleWithSequencesFlushUnderTheirKey()
    {
        var node = JsonNode.Parse("""
            {"apiVersion":"v1","items":[{"name":"a","ports":[1,2]},"plain",[]],"metadata":{"labels":{"app":"x"},"empty":{}},"none":null,"t":true,"f":1.5}
            """)!;

        ManifestWriter.ToYaml(node).ShouldBe("""
            apiVersion: v1
            items:
            - name: a
              ports:
              - 1
              - 2
            - plain
            - []
            metadata:
              labels:
                app: x
              empty: {}
            none: null
            t: true
            f: 1.5

            """.Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void ToYaml_EmptyRootsAndScalars()
    {
        ManifestWriter.ToYaml(new JsonObject()).ShouldBe("{}\n");
        ManifestWriter.ToYaml(new JsonArray()).ShouldBe("[]\n");
        ManifestWriter.ToYaml(JsonValue.Create("yes")).ShouldBe("\"yes\"\n");
    }

    [Fact]
    public void ToYaml_ComplexDocument_RoundTrips()
    {
        var original = JsonNode.Parse("""
            {"kind":"SealedSecret","metadata":{"name":"db","annotations":{"a/b":"true","n":"0755"}},
             "spec":{"encryptedData":{"k":"AgB+/=="},"template":{"data":{"cfg":"line1\nline2: {{ .k }}\n"}}},
             "list":[{"a":1,"b":[{"c":"d"}]},{"e":null}],"num":-12,"big":12345678901,"frac":0.25}
            """)!;

        var yaml = ManifestWriter.ToYaml(original);

        JsonNode.DeepEquals(ReadBack(yaml, "rt.yaml"), original).ShouldBeTrue(yaml);
    }

    [Fact]
    public void ToJson_IsIndentedByTwoWithNewlineAndBase64Unescaped()
    {
        var json = ManifestWriter.ToJson(new JsonObject { ["a"] = new JsonObject { ["b"] = "x+y/z=<&>" } });

        json.ShouldBe("{\n  \"a\": {\n    \"b\": \"x+y/z=<&>\"\n  }\n}\n");
    }

    [Fact]
    public void ToCompactJson_IsOneLine()
    {
        ManifestWriter.ToCompactJson(new JsonObject { ["b"] = 1, ["a"] = "+" }).ShouldBe("{\"b\":1,\"a\":\"+\"}");
    }

    [Fact]
    public void SortKeys_SortsRecursivelyByOrdinalAndCopies()
    {
        var node = JsonNode.Parse("""{"b":1,"a":{"z":1,"B":2,"a":3},"C":[{"y":1,"x":2}]}""")!;

        var sorted = ManifestWriter.SortKeys(node);

        sorted.ToJsonString().ShouldBe("""{"C":[{"x":2,"y":1}],"a":{"B":2,"a":3,"z":1},"b":1}""");
        node.ToJsonString().ShouldBe("""{"b":1,"a":{"z":1,"B":2,"a":3},"C":[{"y":1,"x":2}]}""");
    }

    [Fact]
    public void ManifestFormats_Write_YamlSortsKeysAndSeparatesDocuments()
    {
        JsonNode[] documents = [JsonNode.Parse("""{"kind":"A","apiVersion":"v1"}""")!, JsonNode.Parse("""{"b":1}""")!];

        ManifestFormats.Write(documents, ManifestFormat.Yaml).ShouldBe("apiVersion: v1\nkind: A\n---\nb: 1\n");
        ManifestFormats.Write(documents, ManifestFormat.Json).ShouldBe("{\n  \"kind\": \"A\",\n  \"apiVersion\": \"v1\"\n}\n{\n  \"b\": 1\n}\n");
    }

    [Fact]
    public void ManifestFormats_Write_MultiDocumentOutputReadsBack()
    {
        JsonNode[] documents = [JsonNode.Parse("""{"kind":"A","v":"yes"}""")!, JsonNode.Parse("""{"kind":"B","v":"1"}""")!];

        foreach (var format in new[] { ManifestFormat.Yaml, ManifestFormat.Json })
        {
            var read = ManifestReader.Read(ManifestFormats.Write(documents, format), "out");
            read.Select(d => d.Kind).ShouldBe(["A", "B"]);
            read.Select(d => d.Root!["v"]!.GetValue<string>()).ShouldBe(["yes", "1"]);
        }
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("1", true)]
    [InlineData("x: y", true)]
    [InlineData("plain", false)]
    [InlineData("with space", false)]
    [InlineData("a-b.c_d", false)]
    public void YamlScalars_NeedsQuotes(string text, bool expected)
    {
        YamlScalars.NeedsQuotes(text).ShouldBe(expected);
    }
}
