using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Manifests;

public sealed class ManifestReaderTests
{
    private static JsonObject Obj(ManifestDocument document) => document.Root.ShouldBeOfType<JsonObject>();

    private static ManifestException Fails(string text, string source = "in.yaml") =>
        Should.Throw<ManifestException>(() => ManifestReader.Read(text, source));

    [Fact]
    public void Read_TagThatIsNotAUri_IsOneLineYamlError_NotAnArgumentException()
    {
        // Found by the hostile-input suite (seed dBE8Wehc1Hk1): YamlDotNet throws ArgumentException for this tag.
        var error = Should.Throw<ManifestException>(() => ManifestReader.Read("!!bin[py \n", "tag.yaml"));

        error.Message.ShouldStartWith("tag.yaml");
        error.Message.ShouldContain("invalid YAML");
        error.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void Read_YamlWithSeveralDocuments_GivesEachItsIndexAndStartLine()
    {
        var documents = ManifestReader.Read("a: 1\n---\nb: 2\n---\n# comment\nc: 3\n", "multi.yaml");

        documents.Count.ShouldBe(3);
        documents.Select(d => d.Location.Document).ShouldBe([0, 1, 2]);
        documents.Select(d => d.Location.Line).ShouldBe([1, 2, 4]);
        documents.ShouldAllBe(d => d.Format == "yaml" && d.Location.File == "multi.yaml");
        Obj(documents[2])["c"]!.GetValue<long>().ShouldBe(3);
    }

    [Fact]
    public void Read_EmptyYamlDocuments_AreKeptWithNullRoot()
    {
        var documents = ManifestReader.Read("---\n---\nkind: Secret\n---\n", "e.yaml");

        documents.Select(d => d.Root is null).ShouldBe([true, false, true]);
        documents[1].Kind.ShouldBe("Secret");
        documents[1].Location.Document.ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("\n\n")]
    public void Read_NoContent_GivesNoDocuments(string text)
    {
        ManifestReader.Read(text, "x.yaml").ShouldBeEmpty();
    }

    [Fact]
    public void Read_NodeLines_PointAtTheNodeInTheFile()
    {
        var documents = ManifestReader.Read("kind: Secret\n---\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: abc\n", "s.yaml");
        var password = Obj(documents[1])["data"]!["password"];

        documents[1].LocationOf(password).ToString().ShouldBe("s.yaml:7 (document 2)");
        documents[1].Error(password, "boom").Message.ShouldBe("s.yaml:7 (document 2): boom");
        documents[1].LocationOf(null).ShouldBe(documents[1].Location);
    }

    [Fact]
    public void Read_ConcatenatedJson_GivesOneDocumentPerValueWithLines()
    {
        var documents = ManifestReader.Read("{\"kind\":\"A\"}\n{\n  \"kind\": \"B\",\n  \"n\": 1.5\n}[1,2]", "c.json");

        documents.Count.ShouldBe(3);
        documents.Select(d => d.Location.Line).ShouldBe([1, 2, 5]);
        documents.Select(d => d.Location.Document).ShouldBe([0, 1, 2]);
        documents.ShouldAllBe(d => d.Format == "json");
        documents[0].Kind.ShouldBe("A");
        Obj(documents[1])["n"]!.GetValue<double>().ShouldBe(1.5);
        documents[2].Root.ShouldBeOfType<JsonArray>().Count.ShouldBe(2);
        documents[1].LocationOf(Obj(documents[1])["n"]).Line.ShouldBe(4);
    }

    [Fact]
    public void Read_JsonAfterWhitespaceAndBom_IsJson()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("\n\n  {\"apiVersion\": \"v1\"}")).ToArray();

        var document = ManifestReader.Read(bytes, "bom.json").Single();

        document.Format.ShouldBe("json");
        document.ApiVersion.ShouldBe("v1");
        document.Location.Line.ShouldBe(3);
    }

    [Fact]
    public void Read_YamlWithBom_IsRead()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("kind: Secret\n")).ToArray();

        ManifestReader.Read(bytes, "bom.yaml").Single().Kind.ShouldBe("Secret");
    }

    [Fact]
    public void Read_JsonIntegersAndFloats_KeepTheirKind()
    {
        var root = Obj(ManifestReader.Read("{\"i\": 7, \"f\": 2.25, \"t\": true, \"n\": null, \"s\": \"x\"}", "t.json").Single());

        root["i"]!.GetValue<long>().ShouldBe(7);
        root["f"]!.GetValue<double>().ShouldBe(2.25);
        root["t"]!.GetValue<bool>().ShouldBeTrue();
        root.ContainsKey("n").ShouldBeTrue();
        root["n"].ShouldBeNull();
        root["s"]!.GetValue<string>().ShouldBe("x");
    }

    [Fact]
    public void Read_JsonDuplicateKey_NamesKeyDocumentAndTheKeysLine()
    {
        var error = Fails("{\"kind\": \"A\"}\n{\n  \"data\": {\n    \"a\": \"1\",\n    \"a\": \"2\"\n  }\n}", "d.json");

        error.Message.ShouldBe("d.json:5 (document 2): invalid JSON: duplicate key \"a\"");
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    public void Read_JsonNumberOutOfRange_IsAnInputErrorNamingTheLine(string number)
    {
        // Go's encoding/json (kubectl) refuses it too: "cannot unmarshal number 1e400 into … float64".
        var error = Fails($"{{\n  \"kind\": \"Secret\",\n  \"n\": {number}\n}}", "big.json");

        error.Message.ShouldBe("big.json:3 (document 1): invalid JSON: a number is out of range");
        error.Message.ShouldNotContain("400");
    }

    [Fact]
    public void Read_JsonBigInteger_IsAFloatLikeGo()
    {
        var root = Obj(ManifestReader.Read("{\"n\": 99999999999999999999}", "n.json").Single());

        root["n"]!.GetValue<double>().ShouldBe(1e20);
    }

    [Fact]
    public void Read_JsonSyntaxError_IsOneLineWithLocationAndNoReaderPositions()
    {
        var error = Fails("{\"a\": 1}\n\n{\"b\": }", "bad.json");

        error.Message.ShouldStartWith("bad.json:3 (document 2): invalid JSON: ");
        error.Message.ShouldNotContain("LineNumber");
        error.Message.ShouldNotContain("\n");
        error.Location!.Document.ShouldBe(1);
    }

    [Fact]
    public void Read_YamlDuplicateKey_NamesKeyAndLine()
    {
        var error = Fails("a: 1\n---\nmetadata:\n  name: x\n  name: y\n", "dup.yaml");

        error.Message.ShouldBe("dup.yaml:5 (document 2): duplicate key \"name\"");
        error.Reason.ShouldBe("duplicate key \"name\"");
        error.Location.ShouldBe(new SourceLocation("dup.yaml", 1, 5));
    }

    [Fact]
    public void Read_YamlSyntaxError_IsOneLineWithLocation()
    {
        var error = Fails("a: 1\n---\nb: [1, 2\nc: 3\n", "syntax.yaml");

        error.Message.ShouldStartWith("syntax.yaml:");
        error.Message.ShouldContain("(document 2): invalid YAML: ");
        error.Message.ShouldNotContain("\n");
        error.Message.ShouldNotEndWith(".");
    }

    [Fact]
    public void Read_AnchorAndAlias_CopyTheAnchoredNode()
    {
        var root = Obj(ManifestReader.Read("base: &b\n  x: 1\n  list: [a, b]\nother: *b\n", "a.yaml").Single());

        JsonNode.DeepEquals(root["base"], root["other"]).ShouldBeTrue();
        root["other"].ShouldNotBeSameAs(root["base"]);
        root["other"]!["list"]![1]!.GetValue<string>().ShouldBe("b");
    }

    [Fact]
    public void Read_ScalarAnchor_IsReusable()
    {
        var root = Obj(ManifestReader.Read("a: &v hello\nb: *v\n", "a.yaml").Single());

        root["b"]!.GetValue<string>().ShouldBe("hello");
    }

    [Fact]
    public void Read_UnknownAlias_IsAnErrorNamingIt()
    {
        var error = Fails("a: 1\nb: *missing\n", "alias.yaml");

        error.Message.ShouldBe("alias.yaml:2 (document 1): unknown alias *missing");
    }

    [Fact]
    public void Read_MergeKey_AddsMissingKeysAndExplicitKeysWin()
    {
        var root = Obj(ManifestReader.Read("base: &b\n  alpha: 1\n  beta: 2\nm:\n  <<: *b\n  beta: 3\n", "m.yaml").Single());

        var merged = root["m"].ShouldBeOfType<JsonObject>();
        merged["alpha"]!.GetValue<long>().ShouldBe(1);
        merged["beta"]!.GetValue<long>().ShouldBe(3);
        merged.ContainsKey("<<").ShouldBeFalse();
    }

    [Fact]
    public void Read_MergeKeyWithSequence_EarlierMappingsWin()
    {
        var root = Obj(ManifestReader.Read("a: &a {k: fromA, onlyA: 1}\nb: &b {k: fromB, onlyB: 2}\nm:\n  <<: [*a, *b]\n", "m.yaml").Single());

        var merged = root["m"].ShouldBeOfType<JsonObject>();
        merged["k"]!.GetValue<string>().ShouldBe("fromA");
        merged["onlyA"]!.GetValue<long>().ShouldBe(1);
        merged["onlyB"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public void Read_MergeKeyOfAScalar_IsAnError()
    {
        var error = Fails("m:\n  <<: 5\n", "m.yaml");

        error.Message.ShouldBe("m.yaml:2 (document 1): a merge key (<<) must refer to a mapping");
    }

    [Fact]
    public void Read_QuotedMergeKey_IsAnOrdinaryKey()
    {
        // YAML 1.1 (and kubectl's go-yaml) only treats a plain << as a merge key.
        var root = Obj(ManifestReader.Read("m:\n  \"<<\": 5\n", "m.yaml").Single());

        root["m"]!["<<"]!.GetValue<long>().ShouldBe(5);
    }

    [Fact]
    public void Read_NonScalarKey_IsAnError()
    {
        var error = Fails("? [a, b]\n: 1\n", "k.yaml");

        error.Message.ShouldBe("k.yaml:1 (document 1): a mapping key must be a scalar");
    }

    [Theory]
    [InlineData("yes", "true")]
    [InlineData("No", "false")]
    [InlineData("on", "true")]
    [InlineData("OFF", "false")]
    [InlineData("y", "true")]
    [InlineData("n", "false")]
    [InlineData("TRUE", "true")]
    [InlineData("~", "null")]
    [InlineData("Null", "null")]
    [InlineData("12", "12")]
    [InlineData("-3", "-3")]
    [InlineData("1_000", "1000")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000")]
    [InlineData(".5", "0.5")]
    [InlineData("0x1F", "0")]
    [InlineData("0o17", "0")]
    [InlineData("0b101", "0")]
    [InlineData(".inf", "0")]
    [InlineData("-.Inf", "0")]
    [InlineData(".NaN", "0")]
    [InlineData("\"yes\"", "\"yes\"")]
    [InlineData("'12'", "\"12\"")]
    [InlineData("!!str on", "\"on\"")]
    [InlineData("hello", "\"hello\"")]
    [InlineData("2026-12-01", "\"2026-12-01\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("0x", "\"0x\"")]
    public void Read_PlainScalars_AreTypedLikeKubectl(string yaml, string expectedJson)
    {
        var root = Obj(ManifestReader.Read($"v: {yaml}\n", "s.yaml").Single());

        (root["v"]?.ToJsonString() ?? "null").ShouldBe(expectedJson);
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    [InlineData("12e4567")]
    public void Read_FloatOutOfRange_IsAStringLikeGoYaml(string text)
    {
        // go-yaml's ParseFloat fails with ErrRange and the scalar stays a string (a short commit id can look like this).
        var root = Obj(ManifestReader.Read($"v: {text}\n{text}: k\n", "f.yaml").Single());

        root["v"]!.GetValue<string>().ShouldBe(text);
        root[text]!.GetValue<string>().ShouldBe("k");
        ManifestWriter.ToYaml(root).ShouldBe($"v: {text}\n{text}: k\n");
    }

    [Fact]
    public void Read_BlockScalar_IsAString()
    {
        var root = Obj(ManifestReader.Read("v: |\n  yes\n", "b.yaml").Single());

        root["v"]!.GetValue<string>().ShouldBe("yes\n");
    }

    [Fact]
    public void ReadSingle_NoDocument_NamesTheFile()
    {
        var error = Should.Throw<ManifestException>(() => ManifestReader.ReadSingle("---\n"u8, "one.yaml"));

        error.Message.ShouldBe("one.yaml (document 1): no document found");
    }

    [Fact]
    public void ReadSingle_TwoDocuments_IsAnError()
    {
        var error = Should.Throw<ManifestException>(() => ManifestReader.ReadSingle("a: 1\n---\nb: 2\n"u8, "one.yaml"));

        error.Message.ShouldBe("one.yaml (document 2): expected one document, found 2");
    }

    [Fact]
    public void ReadSingle_EmptyDocumentsAround_AreIgnored()
    {
        ManifestReader.ReadSingle("---\n---\nkind: X\n---\n"u8, "one.yaml").Kind.ShouldBe("X");
    }

    [Fact]
    public void ReadFile_UsesTheDisplayName()
    {
        using var temp = new TestSupport.TempDirectory();
        var path = temp.Write("f.yaml", "a: 1\na: 2\n");

        Should.Throw<ManifestException>(() => ManifestReader.ReadFile(path, "repo/f.yaml")).Message
            .ShouldBe("repo/f.yaml:2 (document 1): duplicate key \"a\"");
    }

    [Fact]
    public void Kind_NonStringKind_IsNull()
    {
        ManifestReader.Read("kind: 5\napiVersion: true\n", "k.yaml").Single().Kind.ShouldBeNull();
        ManifestReader.Read("- a\n", "k.yaml").Single().ApiVersion.ShouldBeNull();
    }

    [Fact]
    public void SourceLocation_WithoutLine_OmitsIt()
    {
        new SourceLocation("-", 2, 0).ToString().ShouldBe("- (document 3)");
        new SourceLocation("f", 0, 9).AtLine(4).ToString().ShouldBe("f:4 (document 1)");
    }

    [Theory]
    [InlineData("json", ManifestFormat.Json)]
    [InlineData("YAML", ManifestFormat.Yaml)]
    [InlineData("yml", ManifestFormat.Yaml)]
    public void ManifestFormats_TryParse_KnownNames(string text, ManifestFormat expected)
    {
        ManifestFormats.TryParse(text, out var format).ShouldBeTrue();
        format.ShouldBe(expected);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("")]
    [InlineData(null)]
    public void ManifestFormats_TryParse_UnknownNames(string? text)
    {
        ManifestFormats.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void JsonValueKinds_OfYamlNumbers_AreNumbers()
    {
        var root = Obj(ManifestReader.Read("a: 0x10\n", "n.yaml").Single());

        root["a"]!.GetValueKind().ShouldBe(JsonValueKind.Number);
    }
}
