using System.Text.Json.Nodes;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class ObjectMetadataTests
{
    [Theory]
    [InlineData("web", "app", "web/app")]
    [InlineData(null, "app", "app")]
    [InlineData("", "app", "app")]
    [InlineData("web", null, "web/(unnamed)")]
    [InlineData(null, null, "(unnamed)")]
    public void QualifiedName_ForMessages(string? @namespace, string? name, string expected)
    {
        new ObjectMetadata { Namespace = @namespace, Name = name }.QualifiedName.ShouldBe(expected);
    }

    [Fact]
    public void Clone_IsDeep()
    {
        var original = new ObjectMetadata { Name = "a", Namespace = "b" };
        original.Labels["l"] = "1";
        original.Annotations["a"] = "1";
        original.Other["finalizers"] = new JsonArray("x");

        var clone = original.Clone();
        clone.Labels["l"] = "2";
        clone.Annotations.Clear();
        clone.Other["finalizers"]!.AsArray().Add("y");
        clone.Name = "c";

        original.Name.ShouldBe("a");
        original.Labels["l"].ShouldBe("1");
        original.Annotations.Count.ShouldBe(1);
        original.Other["finalizers"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public void ServerSetFields_AreTheApiServersOwn()
    {
        ObjectMetadata.ServerSetFields.ShouldBe(
            ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink", "ownerReferences"],
            ignoreOrder: true);
    }

    [Fact]
    public void SealedSecret_Clone_IsDeep()
    {
        var original = new SealedSecret { Metadata = new ObjectMetadata { Name = "s" } };
        original.EncryptedData["k"] = "AgA=";
        original.Template.Data["t"] = "{{ .k }}";
        original.Template.Type = "Opaque";

        var clone = original.Clone();
        clone.EncryptedData["k"] = "changed";
        clone.Template.Data.Clear();
        clone.Template.Type = "other";
        clone.Metadata.Annotations[SealingScopes.ClusterWideAnnotation] = "true";

        original.EncryptedData["k"].ShouldBe("AgA=");
        original.Template.Data.Count.ShouldBe(1);
        original.Template.Type.ShouldBe("Opaque");
        original.Scope.ShouldBe(SealingScope.Strict);
        clone.Scope.ShouldBe(SealingScope.ClusterWide);
    }
}
