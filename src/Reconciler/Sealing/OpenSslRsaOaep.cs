using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace GitOpsSecrets.Sealing;

/// <summary>
/// RSA-OAEP through the OpenSSL 3 library that .NET itself already loaded on Linux. The key lives in an
/// <see cref="RSAOpenSsl"/>; we take its EVP_PKEY handle and call EVP_PKEY_encrypt/decrypt with the OAEP
/// label set, which .NET's API cannot do. Same library, same key object, so there is no second copy of
/// private key material in native memory.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class OpenSslRsaOaep : IRsaOaep
{
    public string Name => "openssl";

    /// <summary>True when this process runs on Linux against OpenSSL 3.x, the ABI this class binds to.</summary>
    public static bool IsSupported { get; } = ProbeSupport();

    public IRsaOaepPublicKey ImportPublicKey(RSAParameters parameters) =>
        new OpenSslKey(parameters with { D = null, P = null, Q = null, DP = null, DQ = null, InverseQ = null });

    public IRsaOaepPrivateKey ImportPrivateKey(RSAParameters parameters) => new OpenSslKey(parameters);

    private static bool ProbeSupport()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // 0xMNN00000L: major version in the top nibble.
            return SafeEvpPKeyHandle.OpenSslVersion >> 28 == 3 && NativeMethods.EVP_sha256() != IntPtr.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    private sealed class OpenSslKey : IRsaOaepPublicKey, IRsaOaepPrivateKey
    {
        private readonly RSAOpenSsl _rsa;
        private readonly SafeEvpPKeyHandle _handle;

        public OpenSslKey(RSAParameters parameters)
        {
            _rsa = new RSAOpenSsl(parameters);
            _handle = _rsa.DuplicateKeyHandle();
            ModulusBytes = parameters.Modulus!.Length;
        }

        public int ModulusBytes { get; }

        public byte[] Encrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> plaintext)
        {
            var output = new byte[ModulusBytes];
            var written = Run(encrypt: true, label, plaintext, output);
            if (written < 0)
            {
                throw new CryptographicException("RSA-OAEP encryption failed in OpenSSL.");
            }

            return output.AsSpan(0, written).ToArray();
        }

        public byte[]? TryDecrypt(ReadOnlySpan<byte> label, ReadOnlySpan<byte> ciphertext)
        {
            if (ciphertext.Length != ModulusBytes)
            {
                return null;
            }

            var output = new byte[ModulusBytes];
            var written = Run(encrypt: false, label, ciphertext, output);
            if (written < 0)
            {
                CryptographicOperations.ZeroMemory(output);
                return null;
            }

            var result = output.AsSpan(0, written).ToArray();
            CryptographicOperations.ZeroMemory(output);
            return result;
        }

        /// <returns>Bytes written, or -1 when OpenSSL refused (wrong key, wrong label, corrupt input).</returns>
        private unsafe int Run(bool encrypt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> input, Span<byte> output)
        {
            var added = false;
            _handle.DangerousAddRef(ref added);
            var ctx = IntPtr.Zero;
            try
            {
                ctx = NativeMethods.EVP_PKEY_CTX_new(_handle.DangerousGetHandle(), IntPtr.Zero);
                if (ctx == IntPtr.Zero)
                {
                    throw new CryptographicException("OpenSSL could not create a key context.");
                }

                var init = encrypt ? NativeMethods.EVP_PKEY_encrypt_init(ctx) : NativeMethods.EVP_PKEY_decrypt_init(ctx);
                if (init <= 0 || !ConfigureOaep(ctx, label))
                {
                    throw new CryptographicException("OpenSSL could not be configured for RSA-OAEP with SHA-256.");
                }

                var outLength = (nuint)output.Length;
                int rc;
                fixed (byte* inPtr = input)
                fixed (byte* outPtr = output)
                {
                    rc = encrypt
                        ? NativeMethods.EVP_PKEY_encrypt(ctx, outPtr, ref outLength, inPtr, (nuint)input.Length)
                        : NativeMethods.EVP_PKEY_decrypt(ctx, outPtr, ref outLength, inPtr, (nuint)input.Length);
                }

                return rc > 0 ? (int)outLength : -1;
            }
            finally
            {
                if (ctx != IntPtr.Zero)
                {
                    NativeMethods.EVP_PKEY_CTX_free(ctx);
                }

                // A failed decrypt leaves entries on OpenSSL's thread-local error queue; .NET's own
                // crypto calls on this thread would otherwise report our stale error as theirs.
                NativeMethods.ERR_clear_error();
                if (added)
                {
                    _handle.DangerousRelease();
                }
            }
        }

        private static unsafe bool ConfigureOaep(IntPtr ctx, ReadOnlySpan<byte> label)
        {
            const int RsaPkcs1OaepPadding = 4;
            var sha256 = NativeMethods.EVP_sha256();
            if (NativeMethods.EVP_PKEY_CTX_set_rsa_padding(ctx, RsaPkcs1OaepPadding) <= 0
                || NativeMethods.EVP_PKEY_CTX_set_rsa_oaep_md(ctx, sha256) <= 0
                || NativeMethods.EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sha256) <= 0)
            {
                return false;
            }

            if (label.IsEmpty)
            {
                return true;
            }

            // set0 takes ownership of the label, so it must come from OpenSSL's own allocator.
            var copy = NativeMethods.CRYPTO_malloc((nuint)label.Length, null, 0);
            if (copy == IntPtr.Zero)
            {
                return false;
            }

            label.CopyTo(new Span<byte>((void*)copy, label.Length));
            if (NativeMethods.EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, label.Length) <= 0)
            {
                NativeMethods.CRYPTO_free(copy, null, 0);
                return false;
            }

            return true;
        }

        public void Dispose()
        {
            _handle.Dispose();
            _rsa.Dispose();
        }
    }

    private static unsafe partial class NativeMethods
    {
        private const string LibCrypto = "libcrypto.so.3";

        [LibraryImport(LibCrypto)]
        internal static partial IntPtr EVP_sha256();

        [LibraryImport(LibCrypto)]
        internal static partial IntPtr EVP_PKEY_CTX_new(IntPtr pkey, IntPtr engine);

        [LibraryImport(LibCrypto)]
        internal static partial void EVP_PKEY_CTX_free(IntPtr ctx);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_encrypt_init(IntPtr ctx);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_decrypt_init(IntPtr ctx);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_CTX_set_rsa_padding(IntPtr ctx, int padding);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_CTX_set_rsa_oaep_md(IntPtr ctx, IntPtr md);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_CTX_set_rsa_mgf1_md(IntPtr ctx, IntPtr md);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_CTX_set0_rsa_oaep_label(IntPtr ctx, IntPtr label, int length);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_encrypt(IntPtr ctx, byte* output, ref nuint outputLength, byte* input, nuint inputLength);

        [LibraryImport(LibCrypto)]
        internal static partial int EVP_PKEY_decrypt(IntPtr ctx, byte* output, ref nuint outputLength, byte* input, nuint inputLength);

        [LibraryImport(LibCrypto)]
        internal static partial IntPtr CRYPTO_malloc(nuint size, byte* file, int line);

        [LibraryImport(LibCrypto)]
        internal static partial void CRYPTO_free(IntPtr pointer, byte* file, int line);

        [LibraryImport(LibCrypto)]
        internal static partial void ERR_clear_error();
    }
}
