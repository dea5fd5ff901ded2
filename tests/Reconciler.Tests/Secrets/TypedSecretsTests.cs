using System.Text;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class TypedSecretsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Text(Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    [Fact]
    public void DockerRegistry_IsShapedLikeKubectls()
    {
        var secret = TypedSecrets.DockerRegistry("regcred", "web", "ghcr.io", "bot", "p@ss", "bot@example.com");

        secret.Type.ShouldBe(SecretTypes.DockerConfigJson);
        secret.Metadata.QualifiedName.ShouldBe("web/regcred");
        secret.Data.Keys.ShouldBe([".dockerconfigjson"]);
        Text(secret, ".dockerconfigjson").ShouldBe("{\"auths\":{\"ghcr.io\":{\"username\":\"bot\",\"password\":\"p@ss\",\"email\":\"bot@example.com\",\"auth\":\"Ym90OnBAc3M=\"}}}");
        SecretValidator.Validate(secret).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void DockerRegistry_DefaultServerAndNoEmail(string? server)
    {
        var secret = TypedSecrets.DockerRegistry("r", "n", server, "u", "p", null);

        Text(secret, ".dockerconfigjson").ShouldBe("{\"auths\":{\"https://index.docker.io/v1/\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\"dTpw\"}}}");
    }

    [Theory]
    [InlineData("", "p")]
    [InlineData("u", "")]
    public void DockerRegistry_MissingCredentials_IsAnError(string username, string password)
    {
        Should.Throw<InputException>(() => TypedSecrets.DockerRegistry("r", "n", null, username, password, null)).Message
            .ShouldBe("docker-registry: --docker-username and --docker-password are required");
    }

    [Fact]
    public void Tls_MatchingPair_KeepsBothFilesVerbatim()
    {
        var cert = _temp.Write("tls.crt", SmallKeys.First.Certificate);
        var key = _temp.Write("tls.key", SmallKeys.First.PrivateKey);

        var secret = TypedSecrets.Tls("web-tls", "web", cert, key);

        secret.Type.ShouldBe(SecretTypes.Tls);
        Text(secret, "tls.crt").ShouldBe(SmallKeys.First.Certificate);
        Text(secret, "tls.key").ShouldBe(SmallKeys.First.PrivateKey);
        SecretValidator.Validate(secret).ShouldBeEmpty();
    }

    [Fact]
    public void Tls_MismatchedPair_IsAnErrorNamingBothFiles()
    {
        var cert = _temp.Write("tls.crt", SmallKeys.First.Certificate);
        var key = _temp.Write("tls.key", SmallKeys.Second.PrivateKey);

        var error = Should.Throw<InputException>(() => TypedSecrets.Tls("web-tls", "web", cert, key));

        error.Message.ShouldBe($"tls: {cert} and {key} are not a matching certificate and private key");
        error.Message.ShouldNotContain("BEGIN", Case.Sensitive);
    }

    [Fact]
    public void Tls_NotPem_IsAnError()
    {
        var cert = _temp.Write("tls.crt", "not a certificate");
        var key = _temp.Write("tls.key", SmallKeys.First.PrivateKey);

        Should.Throw<InputException>(() => TypedSecrets.Tls("t", "n", cert, key)).Message
            .ShouldBe($"tls: {cert} and {key} are not a matching certificate and private key");
    }

    [Fact]
    public void Tls_MissingFiles_NameTheFlag()
    {
        var key = _temp.Write("tls.key", SmallKeys.First.PrivateKey);
        var missing = _temp.File("none.crt");

        Should.Throw<InputException>(() => TypedSecrets.Tls("t", "n", missing, key)).Message.ShouldBe($"--cert: {missing}: no such file");
        Should.Throw<InputException>(() => TypedSecrets.Tls("t", "n", key, missing)).Message.ShouldBe($"--key: {missing}: no such file");
    }

    [Theory]
    [InlineData("u", null, new[] { "username" })]
    [InlineData(null, "p", new[] { "password" })]
    [InlineData("u", "p", new[] { "password", "username" })]
    public void BasicAuth_TakesWhatIsGiven(string? username, string? password, string[] keys)
    {
        var secret = TypedSecrets.BasicAuth("b", "n", username, password);

        secret.Type.ShouldBe(SecretTypes.BasicAuth);
        secret.Data.Keys.ShouldBe(keys);
    }

    [Fact]
    public void BasicAuth_Nothing_IsAnError()
    {
        Should.Throw<InputException>(() => TypedSecrets.BasicAuth("b", "n", null, string.Empty)).Message
            .ShouldBe("basic-auth: --username or --password is required");
    }

    [Fact]
    public void SshAuth_WithAndWithoutKnownHosts()
    {
        var key = _temp.Write("id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n");
        var hosts = _temp.Write("known_hosts", "github.com ssh-ed25519 AAAA\n");

        TypedSecrets.SshAuth("s", "n", key, null).Data.Keys.ShouldBe(["ssh-privatekey"]);
        var secret = TypedSecrets.SshAuth("s", "n", key, hosts);
        secret.Type.ShouldBe(SecretTypes.SshAuth);
        secret.Data.Keys.ShouldBe(["known_hosts", "ssh-privatekey"]);
        Text(secret, "known_hosts").ShouldBe("github.com ssh-ed25519 AAAA\n");
    }

    [Fact]
    public void SshAuth_MissingFiles_NameTheFlag()
    {
        var key = _temp.Write("id", "k");
        var missing = _temp.File("nope");

        Should.Throw<InputException>(() => TypedSecrets.SshAuth("s", "n", missing, null)).Message.ShouldBe($"--ssh-privatekey: {missing}: no such file");
        Should.Throw<InputException>(() => TypedSecrets.SshAuth("s", "n", key, missing)).Message.ShouldBe($"--known-hosts: {missing}: no such file");
    }
}
