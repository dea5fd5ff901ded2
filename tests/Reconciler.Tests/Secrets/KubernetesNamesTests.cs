using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("db", true)]
    [InlineData("db-credentials.v2", true)]
    [InlineData("0abc", true)]
    [InlineData("a", true)]
    [InlineData("Db", false)]
    [InlineData("db_credentials", false)]
    [InlineData("-db", false)]
    [InlineData("db-", false)]
    [InlineData("db..x", false)]
    [InlineData(".db", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValidSecretName(string? name, bool expected)
    {
        KubernetesNames.IsValidSecretName(name).ShouldBe(expected);
    }

    [Fact]
    public void IsValidSecretName_LengthLimitIs253()
    {
        KubernetesNames.IsValidSecretName(new string('a', 253)).ShouldBeTrue();
        KubernetesNames.IsValidSecretName(new string('a', 254)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("kube-system", true)]
    [InlineData("a1", true)]
    [InlineData("a.b", false)]
    [InlineData("A", false)]
    [InlineData("-a", false)]
    [InlineData("", false)]
    public void IsValidNamespace(string name, bool expected)
    {
        KubernetesNames.IsValidNamespace(name).ShouldBe(expected);
    }

    [Fact]
    public void IsValidNamespace_LengthLimitIs63()
    {
        KubernetesNames.IsValidNamespace(new string('a', 63)).ShouldBeTrue();
        KubernetesNames.IsValidNamespace(new string('a', 64)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData(".dockerconfigjson", true)]
    [InlineData("tls.crt", true)]
    [InlineData("A_b-C.9", true)]
    [InlineData(".x", true)]
    [InlineData("x..y", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("..data", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("ключ", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValidDataKey(string? key, bool expected)
    {
        KubernetesNames.IsValidDataKey(key).ShouldBe(expected);
    }

    [Fact]
    public void IsValidDataKey_LengthLimitIs253()
    {
        KubernetesNames.IsValidDataKey(new string('k', 253)).ShouldBeTrue();
        KubernetesNames.IsValidDataKey(new string('k', 254)).ShouldBeFalse();
    }

    [Fact]
    public void SecretNameErrors_LabelOfSixtyFourCharacters_IsAcceptedAsTheApiServerAcceptsIt()
    {
        // IsDNS1123Subdomain limits the whole name to 253 characters, not each label to 63 (only namespaces are labels).
        KubernetesNames.SecretNameErrors(new string('a', 64) + ".example").ShouldBeEmpty();
        KubernetesNames.NamespaceErrors(new string('a', 64)).ShouldBe(["must be no more than 63 characters"]);
    }

    [Fact]
    public void SecretNameErrors_TooLongAndInvalid_GivesBothOfTheApiServersReasons()
    {
        var errors = KubernetesNames.SecretNameErrors(new string('A', 254));

        errors.Count.ShouldBe(2);
        errors[0].ShouldBe("must be no more than 253 characters");
        errors[1].ShouldStartWith("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters");
    }

    [Theory]
    [InlineData(".", "must not be '.'")]
    [InlineData("..", "must not be '..'")]
    [InlineData("..x", "must not start with '..'")]
    public void DataKeyErrors_DotNames_AreRefusedWithTheApiServersWords(string key, string expected)
    {
        KubernetesNames.DataKeyErrors(key).ShouldContain(expected);
    }

    [Fact]
    public void Invalid_ValueWithControlCharacters_StaysOnOneLineAndEscaped()
    {
        var message = KubernetesNames.Invalid("metadata.name", "a\nb\u001b[31mc\"", ["bad"]).Single();

        message.ShouldBe("metadata.name: Invalid value: \"a\\nb\\u001b[31mc\\\"\": bad");
        KubernetesNames.Quote(new string('x', 400)).ShouldEndWith("... (400 characters)");
    }
}
