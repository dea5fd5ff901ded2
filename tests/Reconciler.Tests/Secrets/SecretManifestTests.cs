using System.Text;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class SecretManifestTests
{
    private const string Planted = "PLANTED-s3cr3t-VALUE";

    private static ManifestDocument Document(string yaml, int index = 0, string file = "secret.yaml") => ManifestReader.Read(yaml, file)[index];

    private static Secret Read(string yaml) => SecretManifest.Read(Document(yaml));

    private static ManifestException Fails(string yaml, int index = 0) =>
        Should.Throw<ManifestException>(() => SecretManifest.Read(Document(yaml, index)));

    [Fact]
    public void Read_DataAndStringData_MergeAndStringDataWins()
    {
        var secret = Read("""
            apiVersion: v1
            kind: Secret
            metadata: {name: db, namespace: prod}
            data:
              user: YWRtaW4=
              password: b2xk
            stringData:
              password: new
              extra: "yes"
            """);

        secret.Data.Keys.ShouldBe(["extra", "password", "user"]);
        Encoding.UTF8.GetString(secret.Data["user"]).ShouldBe("admin");
        Encoding.UTF8.GetString(secret.Data["password"]).ShouldBe("new");
        Encoding.UTF8.GetString(secret.Data["extra"]).ShouldBe("yes");
        secret.Metadata.QualifiedName.ShouldBe("prod/db");
        secret.Type.ShouldBe(SecretTypes.Opaque);
        secret.Immutable.ShouldBeNull();
    }

    [Fact]
    public void Read_BadBase64_NamesFileDocumentLineAndKeyButNotTheValue()
    {
        var error = Fails($"kind: Secret\n---\nkind: Secret\nmetadata:\n  name: x\ndata:\n  ok: b2s=\n  password: {Planted}!\n", index: 1);

        error.Message.ShouldBe("secret.yaml:8 (document 2): data.password is not valid base64: illegal base64 data at input byte 7");
        error.Message.ShouldNotContain(Planted);
    }

    [Fact]
    public void Read_BadBase64InJson_NamesLine()
    {
        var document = ManifestReader.Read("{\n \"kind\": \"Secret\",\n \"data\": {\n  \"k\": \"%%%\"\n }\n}", "s.json").Single();

        Should.Throw<ManifestException>(() => SecretManifest.Read(document)).Message.ShouldBe("s.json:4 (document 1): data.k is not valid base64: illegal base64 data at input byte 0");
    }

    [Theory]
    [InlineData("data:\n  port: 5432", "secret.yaml:3 (document 1): data.port must be a string (quote it: YAML reads it as a number)")]
    [InlineData("stringData:\n  enabled: yes", "secret.yaml:3 (document 1): stringData.enabled must be a string (quote it: YAML reads it as a boolean)")]
    [InlineData("stringData:\n  list: [a]", "secret.yaml:3 (document 1): stringData.list must be a string")]
    [InlineData("data: [a]", "secret.yaml:2 (document 1): data must be a mapping")]
    [InlineData("metadata: name", "secret.yaml:2 (document 1): metadata must be a mapping")]
    [InlineData("metadata:\n  name: 5", "secret.yaml:3 (document 1): metadata.name must be a string (quote it: YAML reads it as a number)")]
    [InlineData("metadata:\n  labels:\n    on: true", "secret.yaml:4 (document 1): metadata.labels.true must be a string (quote it: YAML reads it as a boolean)")]
    [InlineData("type: 1", "secret.yaml:2 (document 1): type must be a string (quote it: YAML reads it as a number)")]
    [InlineData("immutable: maybe", "secret.yaml:2 (document 1): immutable must be true or false")]
    public void Read_WrongTypes_NameThePath(string body, string expected)
    {
        Fails("kind: Secret\n" + body + "\n").Message.ShouldBe(expected);
    }

    [Fact]
    public void Read_NullValue_IsEmpty()
    {
        Read("kind: Secret\ndata:\n  empty:\nstringData:\n  blank: ~\n").Data.Values.ShouldAllBe(v => v.Length == 0);
    }

    [Theory]
    [InlineData("apiVersion: v1\n", "secret.yaml:1 (document 1): not a Secret: kind is missing")]
    [InlineData("kind: ConfigMap\n", "secret.yaml:1 (document 1): expected kind Secret, found ConfigMap")]
    [InlineData("- kind: Secret\n", "secret.yaml:1 (document 1): a Secret must be a mapping")]
    public void Read_NotASecret_IsAnError(string yaml, string expected)
    {
        Fails(yaml).Message.ShouldBe(expected);
    }

    [Fact]
    public void Read_TypeImmutableAndOtherMetadata_AreKept()
    {
        var secret = Read("""
            kind: Secret
            type: kubernetes.io/basic-auth
            immutable: true
            metadata:
              name: a
              labels: {team: x}
              annotations: {note: "1"}
              finalizers: [keep]
            stringData: {username: u}
            """);

        secret.Type.ShouldBe(SecretTypes.BasicAuth);
        secret.Immutable.ShouldBe(true);
        secret.Metadata.Labels["team"].ShouldBe("x");
        secret.Metadata.Annotations["note"].ShouldBe("1");
        secret.Metadata.Other["finalizers"]!.ToJsonString().ShouldBe("[\"keep\"]");
        secret.Metadata.Other.ContainsKey("name").ShouldBeFalse();
    }

    [Fact]
    public void Read_EmptyType_IsOpaque()
    {
        Read("kind: Secret\ntype: \"\"\n").Type.ShouldBe(SecretTypes.Opaque);
    }

    [Theory]
    [InlineData("kind: Secret\napiVersion: v1\n", true)]
    [InlineData("kind: Secret\n", true)]
    [InlineData("kind: Secret\napiVersion: v2\n", false)]
    [InlineData("kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\n", false)]
    public void IsSecret_ByKindAndApiVersion(string yaml, bool expected)
    {
        SecretManifest.IsSecret(Document(yaml)).ShouldBe(expected);
    }

    [Fact]
    public void ToNode_IsKubectlShapedAndReadsBack()
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = "db", Namespace = "prod" }, Type = SecretTypes.BasicAuth, Immutable = false };
        secret.Metadata.Labels["b"] = "2";
        secret.Metadata.Labels["a"] = "1";
        secret.Data["username"] = "admin"u8.ToArray();
        secret.Data["password"] = [0xff, 0x00];

        var yaml = ManifestWriter.ToYaml(SecretManifest.ToNode(secret));

        yaml.ShouldBe("""
            apiVersion: v1
            data:
              password: /wA=
              username: YWRtaW4=
            immutable: false
            kind: Secret
            metadata:
              creationTimestamp: null
              labels:
                a: "1"
                b: "2"
              name: db
              namespace: prod
            type: kubernetes.io/basic-auth

            """);
        var back = SecretManifest.Read(ManifestReader.Read(yaml, "back.yaml").Single());
        back.Data["password"].ShouldBe(new byte[] { 0xff, 0x00 });
        back.Immutable.ShouldBe(false);
        back.Metadata.Labels.ShouldBe(secret.Metadata.Labels);
    }

    [Fact]
    public void MetadataNode_KeepsKubernetesOrderAndAGivenCreationTimestamp()
    {
        var metadata = new ObjectMetadata { Name = "n", Namespace = "ns" };
        metadata.Annotations["a"] = "b";
        metadata.Other["creationTimestamp"] = "2026-01-01T00:00:00Z";
        metadata.Other["finalizers"] = new System.Text.Json.Nodes.JsonArray("f");

        SecretManifest.MetadataNode(metadata).ToJsonString()
            .ShouldBe("""{"name":"n","namespace":"ns","creationTimestamp":"2026-01-01T00:00:00Z","annotations":{"a":"b"},"finalizers":["f"]}""");
        SecretManifest.MetadataNode(new ObjectMetadata(), withCreationTimestamp: false).ToJsonString().ShouldBe("{}");
    }

    [Fact]
    public void Secret_ToStringAndClone_NeverCarryValuesOrShareThem()
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = "x" } };
        secret.Data["k"] = Encoding.UTF8.GetBytes(Planted);

        var clone = secret.Clone();
        clone.Data["k"][0] = (byte)'!';

        secret.ToString().ShouldBe("Secret x (Opaque, keys: k)");
        secret.ToString().ShouldNotContain(Planted);
        Encoding.UTF8.GetString(secret.Data["k"]).ShouldBe(Planted);
    }
}
