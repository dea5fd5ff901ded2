using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using static GitOpsSecrets.Sealing.Templates.TemplateValues;

namespace GitOpsSecrets.Sealing.Templates;

/// <summary>The parts of Go's fmt that templates reach: printf verbs and strconv.Quote.</summary>
internal static class GoFormat
{
    /// <summary>fmt.Sprintf for %v %s %q %d %x %X %o %b %c %t %f %e %g %%, with flags (- + 0 space #), width and precision.</summary>
    public static string Sprintf(string format, IReadOnlyList<object?> arguments)
    {
        var output = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                output.Append(format[i]);
                continue;
            }

            if (++i >= format.Length)
            {
                output.Append("%!(NOVERB)");
                break;
            }

            var flags = new StringBuilder();
            while (i < format.Length && "-+0 #".Contains(format[i], StringComparison.Ordinal))
            {
                flags.Append(format[i++]);
            }

            var width = ReadNumber(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i) ?? 0;
            }

            if (i >= format.Length)
            {
                output.Append("%!(NOVERB)");
                break;
            }

            var verb = format[i];
            if (verb == '%')
            {
                output.Append('%');
                continue;
            }

            if (next >= arguments.Count)
            {
                output.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }

            var text = Verb(verb, arguments[next++], flags.ToString(), precision);
            var left = flags.ToString().Contains('-', StringComparison.Ordinal);
            var zero = flags.ToString().Contains('0', StringComparison.Ordinal) && !left && verb is not ('s' or 'q' or 'v' or 't');
            if (width is { } w && text.Length < w)
            {
                text = left ? text.PadRight(w) : zero ? ZeroPad(text, w) : text.PadLeft(w);
            }

            output.Append(text);
        }

        if (next < arguments.Count)
        {
            output.Append("%!(EXTRA ").Append(string.Join(", ", arguments.Skip(next).Select(a => $"{TypeName(a)}={Format(a)}"))).Append(')');
        }

        return output.ToString();
    }

    private static int? ReadNumber(string format, ref int i)
    {
        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            i++;
        }

        return i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
    }

    private static string ZeroPad(string text, int width)
    {
        var sign = text.Length > 0 && text[0] is '-' or '+' ? text[..1] : string.Empty;
        return sign + text[sign.Length..].PadLeft(width - sign.Length, '0');
    }

    private static string Verb(char verb, object? value, string flags, int? precision)
    {
        var plus = flags.Contains('+', StringComparison.Ordinal);
        switch (verb)
        {
            case 'v':
                return Format(value);
            case 's':
                var s = Format(value);
                return precision is { } p && p < s.Length ? s[..p] : s;
            case 'q':
                return value is long rune ? "'" + char.ConvertFromUtf32((int)rune) + "'" : Quote(Format(value));
            case 't' when value is bool b:
                return b ? "true" : "false";
            case 'd' when value is long l:
                return (plus && l >= 0 ? "+" : string.Empty) + l.ToString(CultureInfo.InvariantCulture);
            case 'c' when value is long c:
                return char.ConvertFromUtf32((int)c);
            case 'x' or 'X' when value is long h:
                var hex = Math.Abs(h).ToString(verb == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                return (h < 0 ? "-" : string.Empty) + hex;
            case 'x' or 'X' when value is string or byte[]:
                var bytes = Convert.ToHexString(Bytes(value));
                return verb == 'x' ? bytes.ToLowerInvariant() : bytes;
            case 'o' when value is long o:
                return Convert.ToString(o, 8);
            case 'b' when value is long bin:
                return Convert.ToString(bin, 2);
            case 'f' or 'F' when value is double or long:
                return (plus && Real(value) >= 0 ? "+" : string.Empty) + Real(value).ToString("F" + (precision ?? 6).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            case 'e' or 'E' when value is double or long:
                var e = Real(value).ToString((verb == 'e' ? "e" : "E") + (precision ?? 6).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                // .NET writes three exponent digits (e+006); Go writes at least two (e+06).
                return System.Text.RegularExpressions.Regex.Replace(e, "([eE][+-])0(\\d\\d)$", "$1$2", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            case 'g' or 'G' when value is double or long:
                return FormatFloat(Real(value));
            default:
                return $"%!{verb}({TypeName(value)}={Format(value)})";
        }
    }

    /// <summary>strconv.Quote: double quotes, Go escapes for control characters, printable Unicode kept.</summary>
    public static string Quote(string text)
    {
        var output = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            output.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\v' => "\\v",
                < 0x20 or 0x7f => $"\\x{rune.Value:x2}",
                _ when Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                    => rune.Value > 0xFFFF ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}",
                _ => rune.ToString(),
            });
        }

        return output.Append('"').ToString();
    }
}

/// <summary>JSON escaping as Go's encoding/json: only what JSON needs, plus (toJson, toPrettyJson) &lt; &gt; &amp; U+2028 U+2029 as \u escapes.</summary>
internal static class GoJsonEncoder
{
    public static readonly JavaScriptEncoder Raw = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>After serialising with <see cref="Raw"/>: these characters can only occur inside JSON strings, so replacing them everywhere is exact.</summary>
    public static string EscapeHtml(string json) => json
        .Replace("<", "\\u003c", StringComparison.Ordinal)
        .Replace(">", "\\u003e", StringComparison.Ordinal)
        .Replace("&", "\\u0026", StringComparison.Ordinal)
        .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
        .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
}

/// <summary>RFC 4648 base32 with padding, the alphabet of Go's base32.StdEncoding.</summary>
internal static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(byte[] data)
    {
        var output = new StringBuilder((data.Length + 4) / 5 * 8);
        for (var i = 0; i < data.Length; i += 5)
        {
            var chunk = data.AsSpan(i, Math.Min(5, data.Length - i));
            ulong buffer = 0;
            for (var j = 0; j < 5; j++)
            {
                buffer = (buffer << 8) | (j < chunk.Length ? chunk[j] : 0u);
            }

            var characters = (chunk.Length * 8 + 4) / 5;
            for (var j = 0; j < 8; j++)
            {
                output.Append(j < characters ? Alphabet[(int)((buffer >> (35 - (j * 5))) & 31)] : '=');
            }
        }

        return output.ToString();
    }

    public static byte[] Decode(string text)
    {
        if (text.Length % 8 != 0)
        {
            throw new FormatException("base32 length");
        }

        var output = new List<byte>(text.Length * 5 / 8);
        for (var i = 0; i < text.Length; i += 8)
        {
            var block = text.AsSpan(i, 8);
            var padding = block.Length - block.TrimEnd('=').Length;
            var characters = 8 - padding;
            if (characters is not (2 or 4 or 5 or 7 or 8) || (padding > 0 && i + 8 != text.Length))
            {
                throw new FormatException("base32 padding");
            }

            ulong buffer = 0;
            for (var j = 0; j < 8; j++)
            {
                var index = j < characters ? Alphabet.IndexOf(block[j], StringComparison.Ordinal) : 0;
                if (index < 0)
                {
                    throw new FormatException("base32 character");
                }

                buffer = (buffer << 5) | (uint)index;
            }

            var bytes = characters * 5 / 8;
            for (var j = 0; j < bytes; j++)
            {
                output.Add((byte)(buffer >> (32 - (j * 8))));
            }
        }

        return [.. output];
    }
}
