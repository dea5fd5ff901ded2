using System.Text;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class SealingScopesTests
{
    private const string Ns = SealingScopes.NamespaceWideAnnotation;
    private const string Cluster = SealingScopes.ClusterWideAnnotation;

    [Theory]
    [InlineData(null, null, SealingScope.Strict)]
    [InlineData("true", null, SealingScope.NamespaceWide)]
    [InlineData(null, "true", SealingScope.ClusterWide)]
    [InlineData("true", "true", SealingScope.ClusterWide)]
    [InlineData("true", "false", SealingScope.NamespaceWide)]
    [InlineData("True", null, SealingScope.Strict)]
    [InlineData("yes", null, SealingScope.Strict)]
    [InlineData(null, "TRUE", SealingScope.Strict)]
    [InlineData(null, "", SealingScope.Strict)]
    [InlineData(" true", null, SealingScope.Strict)]
    public void FromAnnotations_OnlyTheExactValueTrueCounts_ClusterWideWins(string? namespaceWide, string? clusterWide, SealingScope expected)
    {
        var annotations = new Dictionary<string, string>();
        if (namespaceWide is not null)
        {
            annotations[Ns] = namespaceWide;
        }

        if (clusterWide is not null)
        {
            annotations[Cluster] = clusterWide;
        }

        SealingScopes.FromAnnotations(annotations).ShouldBe(expected);
    }

    [Theory]
    [InlineData(SealingScope.Strict, new string[0])]
    [InlineData(SealingScope.NamespaceWide, new[] { Ns })]
    [InlineData(SealingScope.ClusterWide, new[] { Cluster })]
    public void Apply_SetsOneScopeAnnotationAndRemovesTheOther(SealingScope scope, string[] expected)
    {
        var annotations = new Dictionary<string, string> { [Ns] = "true", [Cluster] = "true", ["keep"] = "me" };

        SealingScopes.Apply(annotations, scope);

        annotations.Keys.Where(k => k != "keep").Order().ShouldBe(expected);
        annotations["keep"].ShouldBe("me");
        expected.ShouldAllBe(k => annotations[k] == "true");
        SealingScopes.FromAnnotations(annotations).ShouldBe(scope);
    }

    [Theory]
    [InlineData(SealingScope.Strict, "myns/mysecret")]
    [InlineData(SealingScope.NamespaceWide, "myns")]
    [InlineData(SealingScope.ClusterWide, "")]
    public void Label_IsBitnamisOaepLabel(SealingScope scope, string expected)
    {
        Encoding.UTF8.GetString(SealingScopes.Label(scope, "myns", "mysecret")).ShouldBe(expected);
    }

    [Fact]
    public void Label_MatchesTheVectors()
    {
        foreach (var item in TestSupport.Vectors.Items)
        {
            SealingScopes.TryParse(item.Scope, out var scope).ShouldBeTrue();
            Encoding.UTF8.GetString(SealingScopes.Label(scope, item.Namespace, item.Name)).ShouldBe(item.OaepLabel);
        }
    }

    [Theory]
    [InlineData("strict", SealingScope.Strict)]
    [InlineData("Namespace-Wide", SealingScope.NamespaceWide)]
    [InlineData("CLUSTER-WIDE", SealingScope.ClusterWide)]
    public void TryParse_AndFormat_RoundTrip(string text, SealingScope expected)
    {
        SealingScopes.TryParse(text, out var scope).ShouldBeTrue();
        scope.ShouldBe(expected);
        SealingScopes.Format(scope).ShouldBe(text.ToLowerInvariant());
    }

    [Theory]
    [InlineData("namespace")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_Unknown_IsFalse(string? text)
    {
        SealingScopes.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void Scope_ComesFromTopLevelAnnotationsOnly_NotLabelsOrTheTemplate()
    {
        var yaml = $$"""
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata:
              name: app
              namespace: ns1
              labels:
                {{Cluster}}: "true"
            spec:
              encryptedData: {k: AgA=}
              template:
                metadata:
                  annotations:
                    {{Ns}}: "true"
            """;

        var sealedSecret = SealedSecretManifest.Read(ManifestReader.Read(yaml, "s.yaml").Single());

        sealedSecret.Scope.ShouldBe(SealingScope.Strict);
        Encoding.UTF8.GetString(sealedSecret.Label).ShouldBe("ns1/app");
    }

    [Fact]
    public void Scope_ClusterWideAnnotationOnTopLevel_GivesEmptyLabel()
    {
        var yaml = $$"""
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata:
              name: app
              namespace: ns1
              annotations:
                {{Cluster}}: "true"
                {{Ns}}: "true"
            spec:
              encryptedData: {k: AgA=}
            """;

        var sealedSecret = SealedSecretManifest.Read(ManifestReader.Read(yaml, "s.yaml").Single());

        sealedSecret.Scope.ShouldBe(SealingScope.ClusterWide);
        sealedSecret.Label.ShouldBeEmpty();
    }
}
