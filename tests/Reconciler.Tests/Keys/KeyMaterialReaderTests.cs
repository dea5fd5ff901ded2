using System.Security.Cryptography;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Keys;

public sealed class KeyMaterialReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static KeyLoadResult Read(string text, string name = "keys") => KeyMaterialReader.Read(Encoding.UTF8.GetBytes(text), name);

    private static string SecretYaml(SmallKeys.Pem pem, string name = "sealed-secrets-keyabcde") =>
        $"""
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata:
          name: {name}
          namespace: kube-system
          labels:
            sealedsecrets.bitnami.com/sealed-secrets-key: active
        data:
          tls.crt: {Convert.ToBase64String(Encoding.ASCII.GetBytes(pem.Certificate))}
          tls.key: {Convert.ToBase64String(Encoding.ASCII.GetBytes(pem.PrivateKey))}

        """;

    private static void Dispose(KeyLoadResult result)
    {
        foreach (var key in result.Keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public void Read_PemWithCertificateAndKey_IsAFullKey()
    {
        var result = Read(SmallKeys.First.Certificate + SmallKeys.First.PrivateKey, "pair.pem");

        result.Problems.ShouldBeEmpty();
        var key = result.Keys.Single();
        key.Name.ShouldBe("pair.pem");
        key.CanUnseal.ShouldBeTrue();
        key.Certificate.ShouldNotBeNull();
        key.Fingerprint.ShouldBe(SmallKeys.First.Fingerprint);
        Dispose(result);
    }

    [Fact]
    public void Read_PemKeyBeforeCertificate_IsAFullKey()
    {
        var result = Read(SmallKeys.First.PrivateKey + SmallKeys.First.Certificate);

        result.Keys.Single().Certificate.ShouldNotBeNull();
        result.Keys.Single().CanUnseal.ShouldBeTrue();
        Dispose(result);
    }

    [Fact]
    public void Read_PemPrivateKeyOnly_UnsealsButDoesNotSeal()
    {
        var result = Read(SmallKeys.First.PrivateKey);

        var key = result.Keys.Single();
        key.CanUnseal.ShouldBeTrue();
        key.Certificate.ShouldBeNull();
        key.Fingerprint.ShouldBe(SmallKeys.First.Fingerprint);
        Dispose(result);
    }

    [Fact]
    public void Read_Pkcs8PrivateKey_IsRead()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(SmallKeys.First.PrivateKey);

        var result = Read(rsa.ExportPkcs8PrivateKeyPem());

        result.Problems.ShouldBeEmpty();
        result.Keys.Single().Fingerprint.ShouldBe(SmallKeys.First.Fingerprint);
        Dispose(result);
    }

    [Fact]
    public void Read_CertificateOnly_SealsButDoesNotUnseal()
    {
        var result = Read(SmallKeys.First.Certificate);

        result.Keys.Single().CanUnseal.ShouldBeFalse();
        Dispose(result);
    }

    [Fact]
    public void Read_MismatchedPem_IsReportedNotThrown()
    {
        var result = Read(SmallKeys.First.Certificate + SmallKeys.Second.PrivateKey, "mixed.pem");

        result.Keys.ShouldBeEmpty();
        result.Problems.ShouldBe(["mixed.pem: unreadable key material (the private key does not match the certificate)"]);
    }

    [Theory]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\ntruncated")]
    public void Read_MalformedPem_IsReportedNotThrown(string pem)
    {
        var result = Read(pem, "bad.pem");

        result.Keys.ShouldBeEmpty();
        result.Problems.Single().ShouldStartWith("bad.pem: ");
    }

    public static TheoryData<string> ForeignKeys()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(SmallKeys.First.PrivateKey);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256);
        using var ecCertificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
        return
        [
            ec.ExportECPrivateKeyPem(),
            ec.ExportPkcs8PrivateKeyPem(),
            rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1)),
            ecCertificate.ExportCertificatePem(),
            ecCertificate.ExportCertificatePem() + SmallKeys.First.PrivateKey,
        ];
    }

    [Theory]
    [MemberData(nameof(ForeignKeys))]
    public void Read_NonRsaOrEncryptedKeyMaterial_IsReportedNotThrown(string pem)
    {
        var result = Read(pem, "foreign.pem");

        result.Keys.ShouldBeEmpty();
        result.Problems.Single().ShouldStartWith("foreign.pem: unreadable key material (");
    }

    [Theory]
    [MemberData(nameof(ForeignKeys))]
    public void Read_NonRsaOrEncryptedKeyMaterialInAKeySecret_IsReportedNotThrown(string pem)
    {
        var yaml = $"kind: Secret\nmetadata: {{name: k}}\ndata:\n  tls.key: {Convert.ToBase64String(Encoding.ASCII.GetBytes(pem))}\n  tls.crt: {Convert.ToBase64String(Encoding.ASCII.GetBytes(pem))}\n";

        var result = Read(yaml, "s.yaml");

        result.Keys.ShouldBeEmpty();
        result.Problems.Single().ShouldStartWith("s.yaml:1 (document 1): malformed key Secret (");
    }

    [Fact]
    public void ReadCertificate_EcCertificate_IsAnInputError()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));

        Should.Throw<InputException>(() => KeyMaterialReader.ReadCertificate(certificate.ExportCertificatePem(), "ec.pem")).Message
            .ShouldBe("ec.pem: not a PEM certificate with an RSA key (the certificate does not hold an RSA key)");
    }

    [Fact]
    public void Read_PemWithNeitherKeyNorCertificate_IsReported()
    {
        Read("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "pub.pem").Problems
            .ShouldBe(["pub.pem: no RSA private key or certificate in PEM"]);
    }

    [Fact]
    public void Read_KeySecretYaml_IsAFullKeyNamedAfterTheSecret()
    {
        var result = Read(SecretYaml(SmallKeys.Second));

        result.Problems.ShouldBeEmpty();
        var key = result.Keys.Single();
        key.Name.ShouldBe("sealed-secrets-keyabcde");
        key.NotBefore.ShouldBe(SmallKeys.SecondNotBefore);
        key.CanUnseal.ShouldBeTrue();
        Dispose(result);
    }

    [Fact]
    public void Read_VectorKeySecretJson_IsRead()
    {
        var result = KeyMaterialReader.ReadFile(Vectors.Path("sealing-key.secret.json"));

        result.Problems.ShouldBeEmpty();
        result.Keys.Single().PublicKey.KeySize.ShouldBe(4096);
        Dispose(result);
    }

    [Fact]
    public void Read_WrittenKeySecret_ReadsBack()
    {
        using var key = SmallKeys.Load(SmallKeys.Third, "k");
        var json = ManifestWriter.ToJson(SecretManifest.ToNode(KeySecrets.ToSecret(key, "kube-system", "sealed-secrets-keyzzzzz")));

        var result = Read(json);

        result.Keys.Single().Fingerprint.ShouldBe(key.Fingerprint);
        result.Keys.Single().Name.ShouldBe("sealed-secrets-keyzzzzz");
        Dispose(result);
    }

    [Fact]
    public void Read_ListWithABrokenItem_ReadsTheOthersAndReportsTheBrokenOne()
    {
        var good = SecretYaml(SmallKeys.First, "good").Replace("\n", "\n  ", StringComparison.Ordinal).TrimEnd();
        var list = $"apiVersion: v1\nkind: List\nitems:\n- kind: Secret\n  metadata: {{name: broken}}\n  data: {{tls.key: bm90IGEga2V5}}\n- {good}\n- kind: ConfigMap\n";

        var result = Read(list, "list.yaml");

        result.Keys.Select(k => k.Name).ShouldBe(["good"]);
        result.Problems.Count.ShouldBe(2);
        result.Problems[0].ShouldStartWith("list.yaml:4 (document 1) items[0]: malformed key Secret (");
        result.Problems[0].ShouldEndWith("), skipped");
        result.Problems[1].ShouldBe("list.yaml:18 (document 1) items[2]: not a Secret, skipped");
        Dispose(result);
    }

    [Fact]
    public void Read_SecretListKind_IsAList()
    {
        var good = SecretYaml(SmallKeys.First, "good").Replace("\n", "\n  ", StringComparison.Ordinal).TrimEnd();

        var result = Read($"apiVersion: v1\nkind: SecretList\nitems:\n- {good}\n");

        result.Keys.Single().Name.ShouldBe("good");
        Dispose(result);
    }

    [Fact]
    public void Read_ListWithoutItems_IsReported()
    {
        Read("kind: List\n", "l.yaml").Problems.ShouldBe(["l.yaml:1 (document 1): a List without items"]);
    }

    [Fact]
    public void Read_SecretWithoutTlsKey_IsReportedAndSkipped()
    {
        Read("kind: Secret\nmetadata: {name: k}\ndata: {tls.crt: eA==}\n", "s.yaml").Problems
            .ShouldBe(["s.yaml:1 (document 1): Secret k has no tls.key, skipped"]);
    }

    [Fact]
    public void Read_SecretUsesGenerateNameWhenUnnamed()
    {
        Read("kind: Secret\nmetadata: {generateName: sealed-secrets-key}\ndata: {}\n", "s.yaml").Problems
            .ShouldBe(["s.yaml:1 (document 1): Secret sealed-secrets-key has no tls.key, skipped"]);
    }

    [Fact]
    public void Read_SecretWithBadBase64_IsReportedWithTheKeyAndNoValue()
    {
        var result = Read("kind: Secret\nmetadata: {name: k}\ndata:\n  tls.key: PLANTED%%%\n", "s.yaml");

        result.Problems.ShouldBe(["s.yaml:4 (document 1): data.tls.key is not valid base64: illegal base64 data at input byte 7, skipped"]);
        result.Problems.Single().ShouldNotContain("PLANTED");
    }

    [Fact]
    public void Read_SecretWithMismatchedPair_IsReported()
    {
        var mismatched = SecretYaml(SmallKeys.First).Replace(
            Convert.ToBase64String(Encoding.ASCII.GetBytes(SmallKeys.First.PrivateKey)),
            Convert.ToBase64String(Encoding.ASCII.GetBytes(SmallKeys.Second.PrivateKey)),
            StringComparison.Ordinal);

        Read(mismatched, "m.yaml").Problems.ShouldBe(["m.yaml:1 (document 1): malformed key Secret (the private key does not match the certificate), skipped"]);
    }

    [Fact]
    public void Read_SeveralDocuments_ReadsEachAndSkipsEmptyOnes()
    {
        var result = Read("---\n" + SecretYaml(SmallKeys.First, "one") + "---\n---\n" + SecretYaml(SmallKeys.Second, "two"));

        result.Problems.ShouldBeEmpty();
        result.Keys.Select(k => k.Name).ShouldBe(["one", "two"]);
        Dispose(result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing\n")]
    public void Read_NothingAtAll_IsReported(string text)
    {
        Read(text, "empty.yaml").Problems.ShouldBe(["empty.yaml: no key found (expected PEM, a kubernetes.io/tls Secret or a List of them)"]);
    }

    [Fact]
    public void Read_InvalidYaml_IsReportedNotThrown()
    {
        var result = Read("kind: Secret\nkind: Secret\n", "dup.yaml");

        result.Keys.ShouldBeEmpty();
        result.Problems.ShouldBe(["dup.yaml:2 (document 1): duplicate key \"kind\""]);
    }

    [Fact]
    public void Read_PlainText_IsNotASecret()
    {
        Read("hello", "t.txt").Problems.ShouldBe(["t.txt:1 (document 1): not a Secret, skipped"]);
    }

    [Fact]
    public void ReadFile_Missing_IsReportedNotThrown()
    {
        var missing = _temp.File("none.pem");

        var problem = KeyMaterialReader.ReadFile(missing).Problems.Single();

        problem.ShouldStartWith(missing + ": ");
    }

    [Fact]
    public void ReadCertificate_Garbage_IsAnInputError()
    {
        Should.Throw<InputException>(() => KeyMaterialReader.ReadCertificate("nope", "cert.pem")).Message.ShouldStartWith("cert.pem: not a PEM certificate with an RSA key (");
    }

    [Fact]
    public void KeySecrets_ToSecret_IsTheControllersFormat()
    {
        using var key = SmallKeys.Load(SmallKeys.First, "k");

        var secret = KeySecrets.ToSecret(key, "kube-system", "sealed-secrets-keyabcde");

        secret.Type.ShouldBe(SecretTypes.Tls);
        secret.Metadata.Labels.ShouldBe(new SortedDictionary<string, string> { ["sealedsecrets.bitnami.com/sealed-secrets-key"] = "active" });
        Encoding.ASCII.GetString(secret.Data["tls.key"]).ShouldStartWith("-----BEGIN RSA PRIVATE KEY-----\n");
        Encoding.ASCII.GetString(secret.Data["tls.crt"]).ShouldStartWith("-----BEGIN CERTIFICATE-----\n");
        KeySecrets.IsKeySecret(secret).ShouldBeTrue();
        secret.Metadata.Labels[KeySecrets.KeyLabel] = KeySecrets.CompromisedValue;
        KeySecrets.IsKeySecret(secret).ShouldBeFalse();
    }

    [Fact]
    public void KeySecrets_NewName_IsGenerateNameShaped()
    {
        var names = Enumerable.Range(0, 20).Select(_ => KeySecrets.NewName()).ToList();

        names.ShouldAllBe(n => System.Text.RegularExpressions.Regex.IsMatch(n, "^sealed-secrets-key[bcdfghjklmnpqrstvwxz2456789]{5}$"));
        names.Distinct().Count().ShouldBeGreaterThan(1);
    }
}
