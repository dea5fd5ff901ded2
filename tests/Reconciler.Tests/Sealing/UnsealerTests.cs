using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class UnsealerTests : IDisposable
{
    private readonly SealingKey _old = SmallKeys.Load(SmallKeys.First, "k-old");
    private readonly SealingKey _new = SmallKeys.Load(SmallKeys.Second, "k-new");
    private readonly SealingKey _stranger = SmallKeys.Load(SmallKeys.Third, "k-stranger");
    private readonly CryptoCounters _counters = new();
    private readonly ValueCipher _cipher;
    private readonly Unsealer _unsealer;

    public UnsealerTests()
    {
        _cipher = new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), _counters);
        _unsealer = new Unsealer(_cipher);
    }

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
        _stranger.Dispose();
    }

    private static KeyRing Ring(params string[] names) =>
        new(names.Select(n => n switch
        {
            "old" => SmallKeys.Load(SmallKeys.First, "k-old"),
            "new" => SmallKeys.Load(SmallKeys.Second, "k-new"),
            _ => SmallKeys.Load(SmallKeys.Third, "k-stranger"),
        }));

    private SealedSecret Sealed(SealingScope scope = SealingScope.Strict, params (string Key, string Value, SealingKey Key2)[] values)
    {
        var sealedSecret = new SealedSecret
        {
            Metadata = new ObjectMetadata { Name = "db", Namespace = "prod" },
            Template = new SecretTemplate { Metadata = new ObjectMetadata { Name = "db", Namespace = "prod" } },
        };
        SealingScopes.Apply(sealedSecret.Metadata.Annotations, scope);
        foreach (var (key, value, sealingKey) in values)
        {
            sealedSecret.EncryptedData[key] = _cipher.Seal(sealingKey, sealedSecret.Label, Encoding.UTF8.GetBytes(value));
        }

        return sealedSecret;
    }

    [Fact]
    public void Unseal_ValuesSealedToDifferentKeys_AllOpenAndSayWhichKeyOpenedThem()
    {
        using var ring = Ring("old", "new");
        var sealedSecret = Sealed(values: [("a", "one", _old), ("b", "two", _new)]);

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Succeeded.ShouldBeTrue(result.Error);
        result.Failure.ShouldBe(UnsealFailure.None);
        Encoding.UTF8.GetString(result.Secret!.Data["a"]).ShouldBe("one");
        Encoding.UTF8.GetString(result.Secret.Data["b"]).ShouldBe("two");
        result.OpenedBy["a"].Fingerprint.ShouldBe(_old.Fingerprint);
        result.OpenedBy["b"].Fingerprint.ShouldBe(_new.Fingerprint);
    }

    [Fact]
    public void Unseal_OneValueNoKeyOpens_GivesNoSecretAtAll()
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(values: [("a", "one", _old), ("b", "two", _new)]);

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Succeeded.ShouldBeFalse();
        result.Secret.ShouldBeNull();
        result.Failure.ShouldBe(UnsealFailure.NoKeyCouldDecrypt);
        result.Error.ShouldBe("no key could decrypt secret (a)");
        result.FailedKeys.ShouldBe(["a"]);
    }

    [Fact]
    public void Unseal_SeveralFailures_AreListedInKeyOrderLikeBitnami()
    {
        using var ring = Ring("old", "new");
        var sealedSecret = Sealed(values: [("k2", "x", _stranger), ("k1", "y", _stranger), ("ok", "z", _new)]);

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Error.ShouldBe("no key could decrypt secret (k1, k2)");
        result.FailedKeys.ShouldBe(["k1", "k2"]);
    }

    [Fact]
    public void Unseal_ErrorNeverContainsPlaintext()
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(values: [("a", "PLANTED-open-value", _new), ("b", "PLANTED-closed-value", _old)]);

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Error!.ShouldNotContain("PLANTED");
    }

    [Fact]
    public void Unseal_TriesNewestKeyFirst()
    {
        using var ring = Ring("old", "new", "stranger");
        var sealedSecret = Sealed(values: ("a", "one", _stranger));

        _unsealer.Unseal(sealedSecret, ring).Succeeded.ShouldBeTrue();

        // The stranger key is the newest (2026): one RSA operation, no attempt with the older keys.
        _counters.RsaPrivateOperations.ShouldBe(1);
    }

    [Fact]
    public void Unseal_AfterOneValueOpens_ItsKeyIsTriedFirstForTheRest()
    {
        using var ring = Ring("old", "new");
        var sealedSecret = Sealed(values: [("a", "1", _old), ("b", "2", _old), ("c", "3", _old)]);

        _unsealer.Unseal(sealedSecret, ring).Succeeded.ShouldBeTrue();

        // a: new (fails) then old; b and c: old straight away.
        _counters.RsaPrivateOperations.ShouldBe(4);
    }

    [Fact]
    public void Unseal_SealingKeyHint_IsTriedFirst()
    {
        using var ring = Ring("old", "new");
        var sealedSecret = Sealed(values: ("a", "1", _old));
        sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = _old.Fingerprint;

        _unsealer.Unseal(sealedSecret, ring).Succeeded.ShouldBeTrue();

        _counters.RsaPrivateOperations.ShouldBe(1);
    }

    [Fact]
    public void Unseal_WrongHint_StillTriesEveryKey()
    {
        using var ring = Ring("old", "new");
        var sealedSecret = Sealed(values: ("a", "1", _old));
        sealedSecret.Metadata.Annotations[Unsealer.SealingKeyAnnotation] = _new.Fingerprint;

        _unsealer.Unseal(sealedSecret, ring).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(SealingScope.Strict, "prod", "other", false)]
    [InlineData(SealingScope.Strict, "staging", "db", false)]
    [InlineData(SealingScope.NamespaceWide, "prod", "other", true)]
    [InlineData(SealingScope.NamespaceWide, "staging", "db", false)]
    [InlineData(SealingScope.ClusterWide, "staging", "other", true)]
    public void Unseal_RenamedOrMoved_OpensOnlyWhereTheScopeAllows(SealingScope scope, string @namespace, string name, bool opens)
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(scope, ("a", "1", _new));
        sealedSecret.Metadata.Namespace = @namespace;
        sealedSecret.Metadata.Name = name;

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Succeeded.ShouldBe(opens, result.Error);
        if (opens)
        {
            result.Secret!.Metadata.QualifiedName.ShouldBe($"{@namespace}/{name}");
        }
    }

    [Fact]
    public void Unseal_ChangedScopeAnnotation_FailsToOpen()
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(SealingScope.ClusterWide, ("a", "1", _new));
        SealingScopes.Apply(sealedSecret.Metadata.Annotations, SealingScope.Strict);

        _unsealer.Unseal(sealedSecret, ring).Error.ShouldBe("no key could decrypt secret (a)");
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("AgA=")]
    [InlineData("")]
    public void Unseal_GarbageValue_IsUndecryptable(string value)
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(values: ("a", "1", _new));
        sealedSecret.EncryptedData["b"] = value;

        _unsealer.Unseal(sealedSecret, ring).Error.ShouldBe("no key could decrypt secret (b)");
    }

    [Fact]
    public void Unseal_EmptyRing_FailsEveryKey()
    {
        _unsealer.Unseal(Sealed(values: [("a", "1", _new), ("b", "2", _new)]), KeyRing.Empty).Error.ShouldBe("no key could decrypt secret (a, b)");
    }

    [Fact]
    public void Unseal_BuildsTheSecretFromTemplateAndTopLevelIdentity()
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(values: ("password", "pw", _new));
        sealedSecret.Template.Metadata.Name = "ignored";
        sealedSecret.Template.Metadata.Namespace = "ignored";
        sealedSecret.Template.Metadata.Labels["app"] = "db";
        sealedSecret.Template.Metadata.Other["resourceVersion"] = "12";
        sealedSecret.Template.Metadata.Other["uid"] = "u";
        sealedSecret.Template.Metadata.Other["finalizers"] = new System.Text.Json.Nodes.JsonArray("x");
        sealedSecret.Template.Type = SecretTypes.BasicAuth;
        sealedSecret.Template.Immutable = true;
        sealedSecret.Template.Data["url"] = "postgres://app:{{ .password }}@db";

        var secret = _unsealer.Unseal(sealedSecret, ring).Secret!;

        secret.Metadata.QualifiedName.ShouldBe("prod/db");
        secret.Metadata.Labels["app"].ShouldBe("db");
        secret.Metadata.Other.Select(p => p.Key).ShouldBe(["finalizers"]);
        secret.Type.ShouldBe(SecretTypes.BasicAuth);
        secret.Immutable.ShouldBe(true);
        Encoding.UTF8.GetString(secret.Data["url"]).ShouldBe("postgres://app:pw@db");
        Encoding.UTF8.GetString(secret.Data["password"]).ShouldBe("pw");
    }

    [Fact]
    public void Unseal_NoTemplateType_IsOpaque()
    {
        using var ring = Ring("new");

        _unsealer.Unseal(Sealed(values: ("a", "1", _new)), ring).Secret!.Type.ShouldBe(SecretTypes.Opaque);
    }

    [Fact]
    public void Unseal_BadTemplate_GivesNoSecretAndATemplateError()
    {
        using var ring = Ring("new");
        var sealedSecret = Sealed(values: ("a", "PLANTED", _new));
        sealedSecret.Template.Data["cfg"] = "{{ .a | frobnicate }}";

        var result = _unsealer.Unseal(sealedSecret, ring);

        result.Secret.ShouldBeNull();
        result.Failure.ShouldBe(UnsealFailure.Template);
        result.Error.ShouldBe("spec.template.data.cfg: function \"frobnicate\" not defined");
    }

    [Fact]
    public void Unseal_TemplateOnlySecret_RendersWithoutEncryptedData()
    {
        var sealedSecret = Sealed();
        sealedSecret.Template.Data["static"] = "plain";

        var result = _unsealer.Unseal(sealedSecret, KeyRing.Empty);

        Encoding.UTF8.GetString(result.Secret!.Data["static"]).ShouldBe("plain");
    }

    [Fact]
    public void Unseal_CertificateOnlyKey_CannotOpen()
    {
        using var ring = new KeyRing([SmallKeys.CertificateOnly(SmallKeys.Second, "cert-only")]);

        _unsealer.Unseal(Sealed(values: ("a", "1", _new)), ring).Error.ShouldBe("no key could decrypt secret (a)");
        _counters.RsaPrivateOperations.ShouldBe(0);
    }
}
