using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// Portable RSA-OAEP (managed code, any OS). About a tenth of OpenSSL's speed for private-key
/// operations, so it is the fallback, not the default, wherever OpenSSL 3 is available.
/// </summary>
public sealed class BouncyCastleRsaOaep : IRsaOaep
{
    public string Name => "bouncycastle";

    public IRsaOaepPublicKey ImportPublicKey(RSAParameters parameters) =>
        new BcKey(new RsaKeyParameters(false, Unsigned(parameters.Modulus), Unsigned(parameters.Exponent)), parameters.Modulus!.Length);

    public IRsaOaepPrivateKey ImportPrivateKey(RSAParameters parameters) =>
        new BcKey(
            new RsaPrivateCrtKeyParameters(
                Unsigned(parameters.Modulus),
                Unsigned(parameters.Exponent),
                Unsigned(parameters.D),
                Unsigned(parameters.P),
                Unsigned(parameters.Q),
                Unsigned(parameters.DP),
                Unsigned(parameters.DQ),
                Unsigned(parameters.InverseQ)),
            parameters.Modulus!.Length);

    private static BigInteger Unsigned(byte[]? value) =>
        new(1, value ?? throw new CryptographicException("The RSA key is missing a parameter."));

    private sealed class BcKey(RsaKeyParameters key, int modulusBytes) : IRsaOaepPublicKey, IRsaOaepPrivateKey
    {
        private static readonly SecureRandom Random = new();

        public int ModulusBytes { get; } = modulusBytes;

        public byte[] Encrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> plaintext)
        {
            var cipher = Create(label);
            cipher.Init(true, new ParametersWithRandom(key, Random));
            return cipher.ProcessBlock(plaintext.ToArray(), 0, plaintext.Length);
        }

        public byte[]? TryDecrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> ciphertext)
        {
            if (ciphertext.Length != ModulusBytes)
            {
                return null;
            }

            var cipher = Create(label);
            cipher.Init(false, new ParametersWithRandom(key, Random));
            try
            {
                return cipher.ProcessBlock(ciphertext.ToArray(), 0, ciphertext.Length);
            }
            catch (InvalidCipherTextException)
            {
                return null;
            }
            catch (DataLengthException)
            {
                return null;
            }
        }

        private static OaepEncoding Create(ReadOnlySpan<byte> label) =>
            new(new RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), label.ToArray());

        public void Dispose()
        {
        }
    }
}
