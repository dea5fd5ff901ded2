using System.Text;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class SecretValidatorTests
{
    private static Secret Make(string type = SecretTypes.Opaque, string? name = "app", string? ns = "web", params (string Key, string Value)[] data)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = ns }, Type = type };
        foreach (var (key, value) in data)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        return secret;
    }

    [Fact]
    public void Validate_PlainOpaqueSecret_HasNoProblems()
    {
        SecretValidator.Validate(Make(data: ("a", "1"))).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_MissingName_IsRequiredUnlessToldOtherwise()
    {
        SecretValidator.Validate(Make(name: null)).ShouldBe(["metadata.name is required"]);
        SecretValidator.Validate(Make(name: null), requireName: false).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_BadNameAndNamespace_AreNamed()
    {
        SecretValidator.Validate(Make(name: "Bad_Name", ns: "a.b")).ShouldBe(
        [
            "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "metadata.namespace: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ]);
    }

    [Fact]
    public void Validate_EmptyType_IsAProblem()
    {
        SecretValidator.Validate(Make(type: string.Empty)).ShouldBe(["type must not be empty"]);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("..hidden")]
    [InlineData(".")]
    [InlineData("a/b")]
    public void Validate_InvalidDataKey_NamesTheKey(string key)
    {
        var problems = SecretValidator.Validate(Make(data: (key, "v")));

        problems.ShouldNotBeEmpty();
        problems.ShouldAllBe(p => p.StartsWith($"data[{key}]: Invalid value: \"{key}\": ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ExactlyOneMebibyte_IsAllowed()
    {
        var secret = Make();
        secret.Data["a"] = new byte[SecretValidator.MaxTotalDataBytes - 10];
        secret.Data["b"] = new byte[10];

        SecretValidator.Validate(secret).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_OverOneMebibyteAcrossKeys_IsReportedWithTheTotal()
    {
        var secret = Make();
        secret.Data["a"] = new byte[SecretValidator.MaxTotalDataBytes];
        secret.Data["b"] = new byte[1];

        SecretValidator.Validate(secret).ShouldBe(["data is 1048577 bytes in total, over the Secret limit of 1048576 bytes (1 MiB)"]);
    }

    [Theory]
    [InlineData(SecretTypes.Tls, "tls.crt", "tls.key")]
    [InlineData(SecretTypes.SshAuth, "ssh-privatekey", null)]
    [InlineData(SecretTypes.DockerConfigJson, ".dockerconfigjson", null)]
    [InlineData(SecretTypes.DockerConfig, ".dockercfg", null)]
    public void Validate_TypedSecretWithoutItsKeys_NamesEachMissingKey(string type, string first, string? second)
    {
        var expected = new List<string> { $"type {type} requires data key \"{first}\"" };
        if (second is not null)
        {
            expected.Add($"type {type} requires data key \"{second}\"");
        }

        SecretValidator.Validate(Make(type)).ShouldBe(expected);
    }

    [Fact]
    public void Validate_RequiredKeyPresentButEmpty_IsMissing()
    {
        SecretValidator.Validate(Make(SecretTypes.Tls, data: [("tls.crt", "c"), ("tls.key", string.Empty)]))
            .ShouldBe(["type kubernetes.io/tls requires data key \"tls.key\""]);
    }

    [Fact]
    public void Validate_CompleteTlsAndSshAuth_AreValid()
    {
        SecretValidator.Validate(Make(SecretTypes.Tls, data: [("tls.crt", "c"), ("tls.key", "k")])).ShouldBeEmpty();
        SecretValidator.Validate(Make(SecretTypes.SshAuth, data: ("ssh-privatekey", "k"))).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("username", true)]
    [InlineData("password", true)]
    [InlineData("other", false)]
    public void Validate_BasicAuth_NeedsUsernameOrPassword(string key, bool valid)
    {
        var problems = SecretValidator.Validate(Make(SecretTypes.BasicAuth, data: (key, "x")));

        if (valid)
        {
            problems.ShouldBeEmpty();
        }
        else
        {
            problems.ShouldBe(["type kubernetes.io/basic-auth requires data key \"username\" or \"password\""]);
        }
    }

    [Fact]
    public void Validate_ServiceAccountToken_NeedsTheAnnotation()
    {
        var secret = Make(SecretTypes.ServiceAccountToken);
        SecretValidator.Validate(secret).ShouldBe(["type kubernetes.io/service-account-token requires annotation \"kubernetes.io/service-account.name\""]);

        secret.Metadata.Annotations[SecretTypes.ServiceAccountNameAnnotation] = "builder";
        SecretValidator.Validate(secret).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"auths\":{\"r\":{}}}", null)]
    [InlineData("{\"r\":{}}", "data key \".dockerconfigjson\" must be a JSON object with an \"auths\" field")]
    [InlineData("[1]", "data key \".dockerconfigjson\" must be a JSON object with an \"auths\" field")]
    [InlineData("{not json", "data key \".dockerconfigjson\" must hold valid JSON")]
    public void Validate_DockerConfigJson_ChecksTheJson(string json, string? expected)
    {
        var problems = SecretValidator.Validate(Make(SecretTypes.DockerConfigJson, data: (".dockerconfigjson", json)));

        problems.ShouldBe(expected is null ? [] : [expected]);
    }

    [Theory]
    [InlineData("{\"r\":{}}", null)]
    [InlineData("nope", "data key \".dockercfg\" must hold valid JSON")]
    public void Validate_DockerCfg_NeedsJsonButNoAuths(string json, string? expected)
    {
        SecretValidator.Validate(Make(SecretTypes.DockerConfig, data: (".dockercfg", json))).ShouldBe(expected is null ? [] : [expected]);
    }

    [Fact]
    public void Validate_BootstrapToken_Valid()
    {
        SecretValidator.Validate(Make(SecretTypes.BootstrapToken, "bootstrap-token-abc123", "kube-system", ("token-id", "abc123"), ("token-secret", "0123456789abcdef"))).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_BootstrapToken_ChecksIdSecretAndName()
    {
        var problems = SecretValidator.Validate(Make(SecretTypes.BootstrapToken, "token", "kube-system", ("token-id", "ABC123"), ("token-secret", "short")));

        problems.ShouldBe(
        [
            "data key \"token-id\" must be 6 characters of [a-z0-9]",
            "data key \"token-secret\" must be 16 characters of [a-z0-9]",
            "a bootstrap token Secret must be named \"bootstrap-token-<token-id>\", not \"token\"",
        ]);
    }

    [Fact]
    public void Validate_BootstrapTokenWithoutKeys_NamesBoth()
    {
        SecretValidator.Validate(Make(SecretTypes.BootstrapToken, "bootstrap-token-abc123")).ShouldBe(
        [
            "type bootstrap.kubernetes.io/token requires data key \"token-id\"",
            "type bootstrap.kubernetes.io/token requires data key \"token-secret\"",
        ]);
    }

    [Fact]
    public void Validate_NeverQuotesValues()
    {
        const string planted = "PLANTED-not-json-s3cr3t";
        var problems = SecretValidator.Validate(Make(SecretTypes.DockerConfigJson, data: (".dockerconfigjson", planted)));

        problems.ShouldNotBeEmpty();
        problems.ShouldAllBe(p => !p.Contains(planted));
    }

    [Fact]
    public void SecretTypes_RequiredKeys_OfOpaqueAndUnknownAreNone()
    {
        SecretTypes.RequiredKeys(SecretTypes.Opaque).ShouldBeEmpty();
        SecretTypes.RequiredKeys("example.com/custom").ShouldBeEmpty();
        SecretTypes.All.Count.ShouldBe(8);
    }
}
