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
}
