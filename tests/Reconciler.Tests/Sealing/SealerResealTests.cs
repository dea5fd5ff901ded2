using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class SealerResealTests
{
    private static readonly Dictionary<string, string> Values = new() { ["a"] = "1", ["b"] = "2", ["c"] = "3" };

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 4)]
    public void Reseal_AnnotatedWithOldKey_CostsOnePrivateOperationPerValue(bool annotated, int expectedPrivateOperations)
    {
        using var oldKey = TestKeys.Old();
        var sealedSecret = SealedFiles.Seal(oldKey, "ns", "s", Values, annotate: annotated);
        var counters = new CryptoCounters();
        var sealer = new Sealer(new ValueCipher(Engines.Create("openssl"), counters));
        using var ring = new KeyRing([TestKeys.Old(), TestKeys.New()]);

        var result = sealer.Reseal(sealedSecret, ring, ring.Newest!);

        result.Error.ShouldBeNull();
        result.Rewritten.ShouldBe(["a", "b", "c"]);
        result.SealedBy.ShouldBe([ring.Keys.Single(k => k.Fingerprint != ring.Newest!.Fingerprint).Fingerprint]);
        counters.RsaPrivateOperations.ShouldBe(expectedPrivateOperations, "the annotation's key is tried first; without it the newest is tried once, then the key that opened");
        sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation].ShouldBe(ring.Newest!.Fingerprint);
    }
}
