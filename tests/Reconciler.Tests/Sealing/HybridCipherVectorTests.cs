using System.Text;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class HybridCipherVectorTests
{
    public static TheoryData<string, int> EveryItemThroughEveryEngine()
    {
        var data = new TheoryData<string, int>();
        foreach (var engine in Engines.Names)
        {
            for (var i = 0; i < Vectors.Items.Count; i++)
            {
                data.Add(engine, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryItemThroughEveryEngine))]
    public void TryOpen_VectorItem_ReturnsExpectedPlaintextAndSessionKey(string engine, int index)
    {
        var item = Vectors.Items[index];
        using var key = Vectors.LoadKey();
        var oaep = Engines.Create(engine);
        var ciphertext = Convert.FromBase64String(item.CiphertextBase64Std);

        HybridCipher.TrySplit(ciphertext, out var rsaPart, out var aesPart).ShouldBeTrue();
        var sessionKey = key.PrivateFor(oaep).TryDecrypt(Encoding.UTF8.GetBytes(item.OaepLabel), ciphertext.AsSpan()[rsaPart]);
        sessionKey.ShouldNotBeNull($"{engine} could not unwrap the session key of {item.Scope}/{item.ItemKey}");
        Convert.ToHexStringLower(sessionKey).ShouldBe(item.SessionKeyHex);
        Convert.ToHexStringLower(ciphertext.AsSpan()[aesPart]).ShouldBe(item.AesGcmCiphertextAndTagHex);

        var opened = Engines.Cipher(engine).TryOpen([key], Encoding.UTF8.GetBytes(item.OaepLabel), item.CiphertextBase64Std);
        opened.ShouldNotBeNull();
        Encoding.UTF8.GetString(opened.Plaintext).ShouldBe(item.Plaintext);
    }

    [Theory]
    [MemberData(nameof(EveryItemThroughEveryEngine))]
    public void TryOpen_OtherScopesLabels_Fails(string engine, int index)
    {
        var item = Vectors.Items[index];
        using var key = Vectors.LoadKey();
        var cipher = Engines.Cipher(engine);
        string[] wrongLabels = [$"{item.Namespace}/{item.Name}", item.Namespace, string.Empty, $"otherns/{item.Name}", $"{item.Namespace}/othername"];

        foreach (var label in wrongLabels.Where(l => l != item.OaepLabel))
        {
            cipher.TryOpen([key], Encoding.UTF8.GetBytes(label), item.CiphertextBase64Std)
                .ShouldBeNull($"{item.Scope} item {item.ItemKey} opened under label '{label}'");
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Names), MemberType = typeof(Engines))]
    public void TryOpen_FlippedByteInEachRegion_Fails(string engine)
    {
        using var key = Vectors.LoadKey();
        var cipher = Engines.Cipher(engine);
        foreach (var item in Vectors.Items)
        {
            var original = Convert.FromBase64String(item.CiphertextBase64Std);
            var label = Encoding.UTF8.GetBytes(item.OaepLabel);

            // The length prefix, the RSA block (start, middle, end), the AES body (if any) and the tag.
            int[] offsets = [0, 1, 2, 2 + 256, 2 + 511, 2 + 512, original.Length - 16, original.Length - 1];
            foreach (var offset in offsets.Distinct())
            {
                var tampered = (byte[])original.Clone();
                tampered[offset] ^= 0x01;
                cipher.TryOpen([key], label, Convert.ToBase64String(tampered))
                    .ShouldBeNull($"{item.Scope}/{item.ItemKey} opened with byte {offset} flipped");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Names), MemberType = typeof(Engines))]
    public void TryOpen_TruncatedOrNotBase64_FailsWithoutThrowing(string engine)
    {
        using var key = Vectors.LoadKey();
        var cipher = Engines.Cipher(engine);
        var item = Vectors.Items[1];
        var original = Convert.FromBase64String(item.CiphertextBase64Std);
        var label = Encoding.UTF8.GetBytes(item.OaepLabel);

        foreach (var length in new[] { 0, 1, 2, 100, 514, 529, original.Length - 1 })
        {
            cipher.TryOpen([key], label, Convert.ToBase64String(original.AsSpan(0, length))).ShouldBeNull($"opened when truncated to {length} bytes");
        }

        cipher.TryOpen([key], label, "not base64!").ShouldBeNull();
        cipher.TryOpen([key], label, item.CiphertextBase64Std[..^3]).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Engines.Names), MemberType = typeof(Engines))]
    public void Encrypt_ThenOpenWithTheOtherEngine_RoundTrips(string engine)
    {
        using var key = Vectors.LoadKey();
        var sealer = Engines.Cipher(engine);
        var other = Engines.Cipher(engine == "openssl" ? "bouncycastle" : "openssl");
        var label = Encoding.UTF8.GetBytes("myns/mysecret");
        byte[] plaintext = [0, 1, 2, 255, .. Encoding.UTF8.GetBytes("ünïcode\n")];

        var sealedValue = sealer.Seal(key, label, plaintext);

        Convert.FromBase64String(sealedValue).Length.ShouldBe(2 + 512 + plaintext.Length + 16);
        other.TryOpen([key], label, sealedValue)!.Plaintext.ShouldBe(plaintext);
    }

    [Fact]
    public void TryOpen_CountsOneRsaOperationPerKeyTried()
    {
        using var key = Vectors.LoadKey();
        var cipher = Engines.Cipher("openssl");
        var item = Vectors.Items[0];

        cipher.TryOpen([key], Encoding.UTF8.GetBytes(item.OaepLabel), item.CiphertextBase64Std);
        cipher.TryOpen([key], Encoding.UTF8.GetBytes("wrong"), item.CiphertextBase64Std);

        cipher.Counters.RsaPrivateOperations.ShouldBe(2);
    }
}
