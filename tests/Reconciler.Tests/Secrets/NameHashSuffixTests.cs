using System.Text;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class NameHashSuffixTests
{
    private static Secret Make(string? name, string type, params (string Key, string Value)[] data)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name }, Type = type };
        foreach (var (key, value) in data)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        return secret;
    }

    // The expected values are the ones in kubectl's and kustomize's own hash tests (TestSecretHash),
    // for Secrets with an empty name and type "my-type".
    [Fact]
    public void Compute_EmptyData_MatchesKustomize()
    {
        NameHashSuffix.Compute(Make(null, "my-type")).ShouldBe("t75bgf6ctb");
    }

    [Fact]
    public void Compute_OneKey_MatchesKustomize()
    {
        NameHashSuffix.Compute(Make(string.Empty, "my-type", ("one", string.Empty))).ShouldBe("74bd68bm66");
    }

    [Fact]
    public void Compute_ThreeKeys_MatchesKustomizeRegardlessOfInsertionOrder()
    {
        NameHashSuffix.Compute(Make(null, "my-type", ("two", "2"), ("one", string.Empty), ("three", "3"))).ShouldBe("dgcb6h9tmk");
    }

    [Fact]
    public void Compute_TypeWithHtmlCharacters_IsEscapedLikeGosJsonMarshal()
    {
        // Go encodes the type as "example.com/a\u003cb\u0026c\u003e" before hashing.
        NameHashSuffix.Compute(Make("app", "example.com/a<b&c>", ("k", "v"))).ShouldBe("87c7htk8fk");
    }

    [Fact]
    public void Compute_UsesOnlyTheSubstitutedAlphabet()
    {
        var suffix = NameHashSuffix.Compute(Make("app", "Opaque", ("k", "v")));

        suffix.Length.ShouldBe(10);
        suffix.ShouldAllBe(c => "gh2456789bcdfkmt".Contains(c, StringComparison.Ordinal));
    }

    [Fact]
    public void Compute_DependsOnNameTypeAndData()
    {
        var baseline = NameHashSuffix.Compute(Make("app", "Opaque", ("k", "v")));

        NameHashSuffix.Compute(Make("app2", "Opaque", ("k", "v"))).ShouldNotBe(baseline);
        NameHashSuffix.Compute(Make("app", "kubernetes.io/tls", ("k", "v"))).ShouldNotBe(baseline);
        NameHashSuffix.Compute(Make("app", "Opaque", ("k", "w"))).ShouldNotBe(baseline);
        NameHashSuffix.Compute(Make("app", "Opaque", ("k2", "v"))).ShouldNotBe(baseline);
        NameHashSuffix.Compute(Make("app", "Opaque", ("k", "v"))).ShouldBe(baseline);
    }

    [Fact]
    public void Compute_IgnoresNamespaceLabelsAndAnnotations()
    {
        var plain = Make("app", "Opaque", ("k", "v"));
        var decorated = Make("app", "Opaque", ("k", "v"));
        decorated.Metadata.Namespace = "web";
        decorated.Metadata.Labels["a"] = "b";
        decorated.Metadata.Annotations["c"] = "d";

        NameHashSuffix.Compute(decorated).ShouldBe(NameHashSuffix.Compute(plain));
    }

    [Fact]
    public void Apply_AppendsTheSuffixToACopy()
    {
        var secret = Make("app", "my-type");

        var hashed = NameHashSuffix.Apply(secret);

        hashed.Metadata.Name.ShouldBe("app-" + NameHashSuffix.Compute(secret));
        secret.Metadata.Name.ShouldBe("app");
        KubernetesNames.IsValidSecretName(hashed.Metadata.Name).ShouldBeTrue();
    }
}
