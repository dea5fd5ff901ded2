using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class SealedSecretManifestTests
{
    private const string Header = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n";

    private static ManifestException Fails(string yaml) =>
        Should.Throw<ManifestException>(() => SealedSecretManifest.Read(ManifestReader.Read(yaml, "ss.yaml").Single()));

    [Fact]
    public void Read_Vector_GivesMetadataTemplateAndSortedEncryptedData()
    {
        var document = ManifestReader.ReadFile(Vectors.Path("sealedsecret-strict.json"), "strict.json").Single();

        var sealedSecret = SealedSecretManifest.Read(document);

        sealedSecret.Metadata.QualifiedName.ShouldBe("myns/mysecret");
        sealedSecret.Template.Type.ShouldBe("Opaque");
        sealedSecret.Template.Metadata.Name.ShouldBe("mysecret");
        sealedSecret.EncryptedData.Keys.ShouldBe(["empty", "foo", "password"]);
        sealedSecret.Scope.ShouldBe(SealingScope.Strict);
    }

    [Theory]
    [InlineData("apiVersion: bitnami.com/v1alpha1\nkind: Secret\n", "ss.yaml:1 (document 1): expected apiVersion bitnami.com/v1alpha1, kind SealedSecret")]
    [InlineData("apiVersion: bitnami.com/v1\nkind: SealedSecret\n", "ss.yaml:1 (document 1): expected apiVersion bitnami.com/v1alpha1, kind SealedSecret")]
    [InlineData("kind: SealedSecret\n", "ss.yaml:1 (document 1): expected apiVersion bitnami.com/v1alpha1, kind SealedSecret")]
    [InlineData(Header + "metadata: {name: a}\n", "ss.yaml:1 (document 1): spec is required")]
    [InlineData(Header + "metadata: {name: a}\nspec: []\n", "ss.yaml:4 (document 1): spec must be a mapping")]
    [InlineData(Header + "spec:\n  encryptedData: {a: AgA=}\n", "ss.yaml:1 (document 1): metadata.name is required")]
    [InlineData(Header + "metadata:\n  name: \"\"\nspec: {encryptedData: {a: AgA=}}\n", "ss.yaml:1 (document 1): metadata.name is required")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  data: AgBBBB==\n", "ss.yaml:5 (document 1): spec.data holds the pre-v0.7 single-blob format, which is not supported; re-seal the Secret")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData:\n    bad key: AgA=\n", "ss.yaml:6 (document 1): key \"bad key\" is invalid: " + "a valid secret key must consist of alphanumeric characters, '-', '_' or '.' (regex [-._a-zA-Z0-9]+), at most 253 characters, and not be '.' or '..' nor start with '..'")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData: {k: AgA=}\n  template:\n    data:\n      ..x: \"{{ .k }}\"\n", "ss.yaml:8 (document 1): key \"..x\" is invalid: " + "a valid secret key must consist of alphanumeric characters, '-', '_' or '.' (regex [-._a-zA-Z0-9]+), at most 253 characters, and not be '.' or '..' nor start with '..'")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData:\n    num: 12\n", "ss.yaml:6 (document 1): spec.encryptedData.num must be a string (quote it: YAML reads it as a number)")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData: {k: AgA=}\n  template:\n    immutable: sometimes\n", "ss.yaml:7 (document 1): spec.template.immutable must be true or false")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData: {k: AgA=}\n  template:\n    type: 3\n", "ss.yaml:7 (document 1): spec.template.type must be a string (quote it: YAML reads it as a number)")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData: {k: AgA=}\n  template:\n    metadata:\n      labels: yes\n", "ss.yaml:8 (document 1): spec.template.metadata.labels must be a mapping")]
    [InlineData(Header + "metadata: {name: a}\nspec:\n  encryptedData: {k: AgA=}\n  template: x\n", "ss.yaml:6 (document 1): spec.template must be a mapping")]
    [InlineData("- a\n", "ss.yaml:1 (document 1): a SealedSecret must be a mapping")]
    public void Read_Invalid_NamesLineAndField(string yaml, string expected)
    {
        Fails(yaml).Message.ShouldBe(expected);
    }

    [Fact]
    public void Read_EncryptedDataAlongsideOldData_IsAccepted()
    {
        var sealedSecret = SealedSecretManifest.Read(ManifestReader.Read(Header + "metadata: {name: a}\nspec:\n  data: x\n  encryptedData: {k: AgA=}\n", "ss.yaml").Single());

        sealedSecret.EncryptedData.Keys.ShouldBe(["k"]);
    }

    [Theory]
    [InlineData("kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\n", true)]
    [InlineData("kind: SealedSecret\n", true)]
    [InlineData("kind: SealedSecret\napiVersion: bitnami.com/v2\n", true)]
    [InlineData("kind: SealedSecret\napiVersion: example.com/v1\n", false)]
    [InlineData("kind: Secret\napiVersion: v1\n", false)]
    public void IsSealedSecret_ByKindAndGroup(string yaml, bool expected)
    {
        SealedSecretManifest.IsSealedSecret(ManifestReader.Read(yaml, "x").Single()).ShouldBe(expected);
    }

    [Fact]
    public void ToNode_IsKubesealShapedAndReadsBack()
    {
        var sealedSecret = new SealedSecret
        {
            Metadata = new ObjectMetadata { Name = "db", Namespace = "prod" },
            Template = new SecretTemplate { Metadata = new ObjectMetadata { Name = "db", Namespace = "prod" }, Type = "kubernetes.io/basic-auth", Immutable = true },
        };
        sealedSecret.Metadata.Annotations[SealingScopes.NamespaceWideAnnotation] = "true";
        sealedSecret.Template.Metadata.Labels["app"] = "db";
        sealedSecret.Template.Data["url"] = "postgres://{{ .username }}@db";
        sealedSecret.EncryptedData["username"] = "AgBu";
        sealedSecret.EncryptedData["password"] = "AgBw";

        var node = SealedSecretManifest.ToNode(sealedSecret);

        node.Select(p => p.Key).ShouldBe(["kind", "apiVersion", "metadata", "spec"]);
        node["spec"]!.AsObject().Select(p => p.Key).ShouldBe(["template", "encryptedData"]);
        node["spec"]!["encryptedData"]!.AsObject().Select(p => p.Key).ShouldBe(["password", "username"]);
        node["metadata"]!["creationTimestamp"].ShouldBeNull();
        node["metadata"]!.AsObject().ContainsKey("creationTimestamp").ShouldBeTrue();

        foreach (var text in new[] { ManifestWriter.ToJson(node), ManifestWriter.ToYaml(ManifestWriter.SortKeys(node)) })
        {
            var back = SealedSecretManifest.Read(ManifestReader.Read(text, "back").Single());
            back.Scope.ShouldBe(SealingScope.NamespaceWide);
            back.Template.Type.ShouldBe("kubernetes.io/basic-auth");
            back.Template.Immutable.ShouldBe(true);
            back.Template.Data["url"].ShouldBe("postgres://{{ .username }}@db");
            back.Template.Metadata.Labels["app"].ShouldBe("db");
            back.EncryptedData.ShouldBe(sealedSecret.EncryptedData);
        }
    }

    [Fact]
    public void ToNode_OmitsAbsentTemplateFields()
    {
        var node = SealedSecretManifest.ToNode(new SealedSecret { Metadata = new ObjectMetadata { Name = "a" } });

        node["spec"]!["template"]!.AsObject().Select(p => p.Key).ShouldBe(["metadata"]);
        JsonNode.DeepEquals(node["spec"]!["encryptedData"], new JsonObject()).ShouldBeTrue();
    }
}
