namespace GitOpsSecrets.Secrets;

/// <summary>
/// Base64 decoded as Go's <c>base64.StdEncoding</c> decodes it, which is what the API server applies to
/// a Secret's <c>data</c> and Bitnami's controller to <c>encryptedData</c>: the standard alphabet,
/// padding required, nothing after the padding, and no whitespace except line breaks (<c>\r</c>,
/// <c>\n</c>), which Go skips. .NET's decoder also skips spaces and tabs; taking those would let the
/// directory target accept a value a cluster refuses.
/// </summary>
public static class StrictBase64
{
    /// <summary>The bytes, or null with Go's message ("illegal base64 data at input byte N").</summary>
    public static byte[]? TryDecode(string text, out string? error)
    {
        var chars = new char[text.Length];
        var positions = new int[text.Length];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '\r' or '\n')
            {
                continue;
            }

            chars[length] = text[i];
            positions[length++] = i;
        }

        var padding = length > 0 && chars[length - 1] == '=' ? length > 1 && chars[length - 2] == '=' ? 2 : 1 : 0;
        for (var i = 0; i < length - padding; i++)
        {
            if (!IsAlphabet(chars[i]))
            {
                error = Illegal(positions[i]);
                return null;
            }
        }

        if (length % 4 != 0)
        {
            error = Illegal(length == 0 ? 0 : positions[length - 1] + 1 - (length % 4));
            return null;
        }

        if (padding > 0 && length % 4 == 0 && (length - padding) % 4 < 2)
        {
            // "x===" or "====": padding where a quantum needs at least two characters of data.
            error = Illegal(positions[length - padding]);
            return null;
        }

        error = null;
        return Convert.FromBase64CharArray(chars, 0, length);
    }

    private static bool IsAlphabet(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';

    private static string Illegal(int position) => $"illegal base64 data at input byte {position}";
}
