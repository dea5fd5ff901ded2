using System.Text;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Manifests;

public sealed class ManifestRewriterTests
{
    private static string Rewrite(string text, Action<ManifestRewriter> edit)
    {
        var rewriter = new ManifestRewriter(Encoding.UTF8.GetBytes(text), "test.yaml");
        edit(rewriter);
        return Encoding.UTF8.GetString(rewriter.Apply());
    }

    [Fact]
    public void Set_PlainValueInSecondDocument_ReplacesOnlyThatValue()
    {
        var text = "# leading comment\napiVersion: v1\nkind: ConfigMap  # trailing\ndata:\n  a: one\n---\n# second\nkind: SealedSecret\nspec:\n  encryptedData:\n    foo: AgOLD==   # keep me\n    bar: AgBAR==\n";

        var result = Rewrite(text, r => r.Set(1, ["spec", "encryptedData", "foo"], "AgNEW+/=="));

        result.ShouldBe(text.Replace("AgOLD==", "AgNEW+/==", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("'AgOLD=='", "'AgNEW=='")]
    [InlineData("\"AgOLD==\"", "\"AgNEW==\"")]
    [InlineData("AgOLD==", "AgNEW==")]
    public void Set_KeepsQuotingStyle(string before, string after)
    {
        var text = $"spec:\n    encryptedData:\n        foo: {before}\n";

        Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW==")).ShouldBe($"spec:\n    encryptedData:\n        foo: {after}\n");
    }

    [Fact]
    public void Set_LiteralBlockScalar_KeepsBlockStyleIndentAndComment()
    {
        var text = "spec:\n  encryptedData:\n    foo: | # sealed\n      AgOLD==\n    bar: x\n";

        var result = Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW=="));

        result.ShouldBe("spec:\n  encryptedData:\n    foo: |- # sealed\n      AgNEW==\n    bar: x\n");
    }

    [Fact]
    public void Set_FoldedBlockScalarAtEndOfFile_Works()
    {
        var text = "spec:\n  encryptedData:\n    foo: >\n      AgOLD==\n\n";

        var result = Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW==\n"));

        result.ShouldBe("spec:\n  encryptedData:\n    foo: >\n      AgNEW==\n\n");
    }

    [Fact]
    public void Set_CrLfFile_KeepsCrLfAndAddsAnnotationWithFileIndentation()
    {
        var text = "apiVersion: bitnami.com/v1alpha1\r\nkind: SealedSecret\r\nmetadata:\r\n    name: a\r\n    namespace: b\r\nspec:\r\n    encryptedData:\r\n        foo: AgOLD==\r\n";

        var result = Rewrite(text, r => r
            .Set(0, ["spec", "encryptedData", "foo"], "AgNEW==")
            .Set(0, ["metadata", "annotations", "gitops-secrets.io/sealing-key"], "abc123"));

        result.ShouldBe("apiVersion: bitnami.com/v1alpha1\r\nkind: SealedSecret\r\nmetadata:\r\n    name: a\r\n    namespace: b\r\n    annotations:\r\n        gitops-secrets.io/sealing-key: abc123\r\nspec:\r\n    encryptedData:\r\n        foo: AgNEW==\r\n");
    }

    [Fact]
    public void Set_ExistingAnnotations_AddsKeyAfterLastAndReplacesExisting()
    {
        var text = "metadata:\n  annotations:\n    team: payments # owner\n  name: a\n";

        Rewrite(text, r => r.Set(0, ["metadata", "annotations", "new"], "true"))
            .ShouldBe("metadata:\n  annotations:\n    team: payments # owner\n    new: \"true\"\n  name: a\n");
        Rewrite(text, r => r.Set(0, ["metadata", "annotations", "team"], "ops"))
            .ShouldBe("metadata:\n  annotations:\n    team: ops # owner\n  name: a\n");
    }

    [Fact]
    public void Set_FlowMappingAndAnchorsElsewhere_LeftAlone()
    {
        var text = "base: &base {x: 1}\nother: *base\nmetadata: {name: a, annotations: {}}\nspec: {encryptedData: {foo: AgOLD==}}\n";

        var result = Rewrite(text, r => r
            .Set(0, ["spec", "encryptedData", "foo"], "AgNEW==")
            .Set(0, ["metadata", "annotations", "k"], "v"));

        result.ShouldBe("base: &base {x: 1}\nother: *base\nmetadata: {name: a, annotations: {k: v}}\nspec: {encryptedData: {foo: AgNEW==}}\n");
    }

    [Fact]
    public void Set_ValueWithAnchor_RefusedLoudly()
    {
        var text = "spec:\n  encryptedData:\n    foo: &v AgOLD==\n    bar: *v\n";

        Should.Throw<ManifestException>(() => Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW==")))
            .Message.ShouldContain("anchor");
    }

    [Fact]
    public void Remove_BlockKey_RemovesItsLineOnly()
    {
        var text = "metadata:\n  annotations:\n    a: \"1\"\n    b: \"2\" # gone\n    c: \"3\"\n";

        Rewrite(text, r => r.Remove(0, ["metadata", "annotations", "b"])).ShouldBe("metadata:\n  annotations:\n    a: \"1\"\n    c: \"3\"\n");
    }

    [Fact]
    public void Json_IndentedAndCompact_KeepTheirShape()
    {
        var indented = "{\n  \"kind\": \"SealedSecret\",\n  \"metadata\": {\n    \"name\": \"a\",\n    \"namespace\": \"b\"\n  },\n  \"spec\": {\n    \"encryptedData\": {\n      \"foo\": \"AgOLD==\"\n    }\n  }\n}\n";
        var compact = "{\"kind\":\"SealedSecret\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"encryptedData\":{\"foo\":\"AgOLD==\"}}}";

        Rewrite(indented, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW==").Set(0, ["metadata", "annotations", "k"], "v"))
            .ShouldBe("{\n  \"kind\": \"SealedSecret\",\n  \"metadata\": {\n    \"name\": \"a\",\n    \"namespace\": \"b\",\n    \"annotations\": {\n      \"k\": \"v\"\n    }\n  },\n  \"spec\": {\n    \"encryptedData\": {\n      \"foo\": \"AgNEW==\"\n    }\n  }\n}\n");
        Rewrite(compact, r => r.Set(0, ["spec", "encryptedData", "foo"], "AgNEW==").Set(0, ["metadata", "annotations", "k"], "v"))
            .ShouldBe("{\"kind\":\"SealedSecret\",\"metadata\":{\"name\":\"a\",\"annotations\":{\"k\":\"v\"}},\"spec\":{\"encryptedData\":{\"foo\":\"AgNEW==\"}}}");
    }

    [Fact]
    public void Json_RemoveKeys_KeepsCommasRight()
    {
        var text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n";

        Rewrite(text, r => r.Remove(0, ["b"])).ShouldBe("{\n  \"a\": 1,\n  \"c\": 3\n}\n");
        Rewrite(text, r => r.Remove(0, ["a"])).ShouldBe("{\n  \"b\": 2,\n  \"c\": 3\n}\n");
    }

    [Fact]
    public void Set_ValueThatWouldRetypeAsPlain_IsQuoted()
    {
        Rewrite("a:\n  b: x\n", r => r.Set(0, ["a", "b"], "yes")).ShouldBe("a:\n  b: \"yes\"\n");
        Rewrite("a:\n  b: x\n", r => r.Set(0, ["a", "b"], "k: v #c")).ShouldBe("a:\n  b: \"k: v #c\"\n");
    }

    [Fact]
    public void Set_UnderNullValue_CreatesBlockMapping()
    {
        Rewrite("metadata:\n  annotations:\n  name: a\n", r => r.Set(0, ["metadata", "annotations", "k"], "v"))
            .ShouldBe("metadata:\n  annotations:\n    k: v\n  name: a\n");
    }

    [Fact]
    public void Set_WithBomAndUnicodeComments_KeepsEveryOtherByte()
    {
        var text = "\uFEFF# caf\u00e9 \u2603\nspec:\n  encryptedData:\n    foo: AgOLD== # na\u00efve\n";

        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text[1..])).ToArray();
        var result = new ManifestRewriter(bytes, "bom.yaml").Set(0, ["spec", "encryptedData", "foo"], "AgNEW==").Apply();

        result.ShouldBe(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text[1..].Replace("AgOLD==", "AgNEW==", StringComparison.Ordinal))).ToArray());
    }

    [Fact]
    public void Set_PathThroughScalar_FailsNamingThePath()
    {
        Should.Throw<ManifestException>(() => Rewrite("spec: text\n", r => r.Set(0, ["spec", "encryptedData", "foo"], "x")))
            .Message.ShouldContain("spec");
    }

    [Fact]
    public void Set_ManyDocumentsWithoutAnnotations_AddsEachInItsOwnDocument()
    {
        var document = "kind: SealedSecret\nmetadata:\n  name: s{0}\nspec:\n  encryptedData:\n    k: old{0}\n";
        var text = string.Join("---\n", Enumerable.Range(0, 50).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, document, i)));

        var result = Rewrite(text, r =>
        {
            for (var i = 0; i < 50; i++)
            {
                r.Set(i, ["spec", "encryptedData", "k"], $"new{i}").Set(i, ["metadata", "annotations", "a"], $"x{i}").Set(i, ["metadata", "annotations", "b"], "yy");
            }
        });

        var expected = "kind: SealedSecret\nmetadata:\n  name: s{0}\n  annotations:\n    a: x{0}\n    b: yy\nspec:\n  encryptedData:\n    k: new{0}\n";
        result.ShouldBe(string.Join("---\n", Enumerable.Range(0, 50).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, i))));
    }

    [Fact]
    public void Set_ConcatenatedJsonDocuments_EditsTheRightOne()
    {
        var text = "{\"a\": {\"b\": \"1\"}}\n{\"a\": {\"b\": \"2\"}}\n";

        Rewrite(text, r => r.Set(1, ["a", "b"], "3")).ShouldBe("{\"a\": {\"b\": \"1\"}}\n{\"a\": {\"b\": \"3\"}}\n");
    }

    [Fact]
    public void Set_DocumentEndMarkersDirectivesAndSequences_LeftAlone()
    {
        var text = "%YAML 1.1\n---\nitems:\n- name: a\n  value: old\n- name: b\nspec:\n  encryptedData: {k: old}\n...\n---\nlast: doc\n";

        Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "k"], "new"))
            .ShouldBe(text.Replace("{k: old}", "{k: new}", StringComparison.Ordinal));
    }

    [Fact]
    public void Set_MultiLinePlainScalar_ReplacedWhole()
    {
        var text = "spec:\n  encryptedData:\n    k: AgAAA\n      BBBB\n    j: x\n";

        Rewrite(text, r => r.Set(0, ["spec", "encryptedData", "k"], "CCC")).ShouldBe("spec:\n  encryptedData:\n    k: CCC\n    j: x\n");
    }

    [Fact]
    public void Set_KeepChompedBlockFollowedByKey_StillExact()
    {
        var text = "a:\n  k: |+\n    old\n\n  j: x\n";

        var result = Rewrite(text, r => r.Set(0, ["a", "k"], "new"));

        ManifestReader.Read(result, "r.yaml")[0].Root!["a"]!["k"]!.GetValue<string>().ShouldBe("new");
        result.ShouldEndWith("  j: x\n");
    }

    [Fact]
    public void Set_NoDocumentAtIndex_FailsNamingIt()
    {
        Should.Throw<ManifestException>(() => Rewrite("a: 1\n", r => r.Set(3, ["a"], "x"))).Message.ShouldContain("test.yaml");
    }
}
