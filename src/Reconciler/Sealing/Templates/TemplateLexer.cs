using System.Globalization;
using System.Text;

namespace GitOpsSecrets.Sealing.Templates;

internal enum TokenKind
{
    Text,
    Open,
    Close,
    Identifier,
    Field,
    Dot,
    Variable,
    String,
    Number,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
    End,
}

/// <summary>One token; <see cref="Spaced"/> says whether space preceded it (Go separates arguments by space and chains fields without).</summary>
internal sealed record Token(TokenKind Kind, string Text, int Offset, bool Spaced = false, object? Value = null);

/// <summary>
/// Go text/template's lexer for one template: text between actions, and inside <c>{{ }}</c> the
/// tokens of pipelines. Trim markers (<c>{{- </c>, <c> -}}</c>) remove ASCII space from the adjacent text,
/// comments (<c>{{/* */}}</c>) vanish. Offsets are into the template, for errors that point without quoting values.
/// </summary>
internal static class TemplateLexer
{
    private static readonly char[] GoSpace = [' ', '\t', '\r', '\n'];

    public static List<Token> Lex(string key, string template)
    {
        var tokens = new List<Token>();
        var position = 0;
        var trimNextText = false;
        while (position <= template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var text = open < 0 ? template[position..] : template[position..open];
            if (trimNextText)
            {
                text = text.TrimStart(GoSpace);
            }

            var trimLeft = open >= 0 && open + 3 < template.Length && template[open + 2] == '-' && GoSpace.Contains(template[open + 3]);
            if (trimLeft)
            {
                text = text.TrimEnd(GoSpace);
            }

            if (text.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Text, text, position));
            }

            if (open < 0)
            {
                break;
            }

            position = open + (trimLeft ? 4 : 2);
            var (next, trimRight) = LexAction(key, template, position, open, tokens);
            position = next;
            trimNextText = trimRight;
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, template.Length));
        return tokens;
    }

    private static (int Next, bool TrimRight) LexAction(string key, string template, int position, int open, List<Token> tokens)
    {
        // A comment is the whole action: {{/* ... */}}, with optional trim markers around it.
        var afterSpace = SkipSpace(template, position);
        if (string.CompareOrdinal(template, afterSpace, "/*", 0, 2) == 0)
        {
            var endComment = template.IndexOf("*/", afterSpace + 2, StringComparison.Ordinal);
            if (endComment < 0)
            {
                throw new TemplateException(key, $"unclosed comment at offset {open}");
            }

            var rest = endComment + 2;
            var trimRight = rest + 3 <= template.Length && GoSpace.Contains(template[rest]) && template[rest + 1] == '-' && string.CompareOrdinal(template, rest + 2, "}}", 0, 2) == 0;
            if (trimRight)
            {
                return (rest + 4, true);
            }

            return string.CompareOrdinal(template, rest, "}}", 0, 2) == 0
                ? (rest + 2, false)
                : throw new TemplateException(key, $"comment ends before \"}}}}\" at offset {rest}");
        }

        tokens.Add(new Token(TokenKind.Open, "{{", open));
        var spaced = false;
        while (true)
        {
            if (position >= template.Length)
            {
                throw new TemplateException(key, $"unclosed action at offset {open}");
            }

            var c = template[position];
            if (GoSpace.Contains(c))
            {
                // " -}}" closes with a trim marker.
                if (position + 3 < template.Length && template[position + 1] == '-' && string.CompareOrdinal(template, position + 2, "}}", 0, 2) == 0)
                {
                    tokens.Add(new Token(TokenKind.Close, "}}", position));
                    return (position + 4, true);
                }

                spaced = true;
                position++;
                continue;
            }

            if (string.CompareOrdinal(template, position, "}}", 0, 2) == 0)
            {
                tokens.Add(new Token(TokenKind.Close, "}}", position));
                return (position + 2, false);
            }

            var start = position;
            Token token;
            switch (c)
            {
                case '|':
                    token = new Token(TokenKind.Pipe, "|", start);
                    position++;
                    break;
                case '(':
                    token = new Token(TokenKind.LeftParen, "(", start);
                    position++;
                    break;
                case ')':
                    token = new Token(TokenKind.RightParen, ")", start);
                    position++;
                    break;
                case ',':
                    token = new Token(TokenKind.Comma, ",", start);
                    position++;
                    break;
                case ':' when position + 1 < template.Length && template[position + 1] == '=':
                    token = new Token(TokenKind.Declare, ":=", start);
                    position += 2;
                    break;
                case '=':
                    token = new Token(TokenKind.Assign, "=", start);
                    position++;
                    break;
                case '"':
                    (token, position) = QuotedString(key, template, position);
                    break;
                case '`':
                    var close = template.IndexOf('`', position + 1);
                    if (close < 0)
                    {
                        throw new TemplateException(key, $"unterminated raw string at offset {start}");
                    }

                    token = new Token(TokenKind.String, template[start..(close + 1)], start, Value: template[(position + 1)..close]);
                    position = close + 1;
                    break;
                case '\'':
                    (token, position) = CharConstant(key, template, position);
                    break;
                case '.' when position + 1 < template.Length && IsIdentifierStart(template[position + 1]):
                    position = ReadIdentifier(template, position + 1);
                    token = new Token(TokenKind.Field, template[(start + 1)..position], start);
                    break;
                case '.' when position + 1 < template.Length && char.IsAsciiDigit(template[position + 1]):
                    (token, position) = NumberToken(key, template, position);
                    break;
                case '.':
                    token = new Token(TokenKind.Dot, ".", start);
                    position++;
                    break;
                case '$':
                    position = ReadIdentifier(template, position + 1);
                    token = new Token(TokenKind.Variable, template[start..position], start);
                    break;
                case '-' or '+' when position + 1 < template.Length && (char.IsAsciiDigit(template[position + 1]) || template[position + 1] == '.'):
                case >= '0' and <= '9':
                    (token, position) = NumberToken(key, template, position);
                    break;
                default:
                    if (!IsIdentifierStart(c))
                    {
                        throw new TemplateException(key, $"unexpected character U+{(int)c:X4} in action at offset {position}");
                    }

                    position = ReadIdentifier(template, position);
                    token = new Token(TokenKind.Identifier, template[start..position], start);
                    break;
            }

            tokens.Add(token with { Spaced = spaced });
            spaced = false;
        }
    }

    private static int SkipSpace(string template, int position)
    {
        while (position < template.Length && GoSpace.Contains(template[position]))
        {
            position++;
        }

        return position;
    }

    private static bool IsIdentifierStart(char c) => c == '_' || char.IsLetter(c);

    private static int ReadIdentifier(string template, int position)
    {
        while (position < template.Length && (template[position] == '_' || char.IsLetterOrDigit(template[position])))
        {
            position++;
        }

        return position;
    }

    private static (Token, int) QuotedString(string key, string template, int position)
    {
        var start = position++;
        var value = new StringBuilder();
        while (true)
        {
            if (position >= template.Length || template[position] == '\n')
            {
                throw new TemplateException(key, $"unterminated quoted string at offset {start}");
            }

            var c = template[position];
            if (c == '"')
            {
                return (new Token(TokenKind.String, template[start..(position + 1)], start, Value: value.ToString()), position + 1);
            }

            if (c != '\\')
            {
                value.Append(c);
                position++;
                continue;
            }

            position = Escape(key, template, position, value, '"');
        }
    }

    private static (Token, int) CharConstant(string key, string template, int position)
    {
        var start = position++;
        var value = new StringBuilder();
        position = position < template.Length && template[position] == '\\'
            ? Escape(key, template, position, value, '\'')
            : position < template.Length ? AppendRune(template, position, value) : throw new TemplateException(key, $"unterminated character constant at offset {start}");
        if (position >= template.Length || template[position] != '\'' || value.Length == 0)
        {
            throw new TemplateException(key, $"malformed character constant at offset {start}");
        }

        var rune = Rune.GetRuneAt(value.ToString(), 0).Value;
        return (new Token(TokenKind.Number, template[start..(position + 1)], start, Value: (long)rune), position + 1);
    }

    private static int AppendRune(string template, int position, StringBuilder value)
    {
        var length = char.IsHighSurrogate(template[position]) && position + 1 < template.Length ? 2 : 1;
        value.Append(template, position, length);
        return position + length;
    }

    /// <summary>Go's escapes in interpreted strings: \a \b \f \n \r \t \v \\ \' \" \xHH \uHHHH \UHHHHHHHH and octal \OOO.</summary>
    private static int Escape(string key, string template, int position, StringBuilder value, char quote)
    {
        if (position + 1 >= template.Length)
        {
            throw new TemplateException(key, $"unterminated escape at offset {position}");
        }

        var c = template[position + 1];
        switch (c)
        {
            case 'a': value.Append('\a'); return position + 2;
            case 'b': value.Append('\b'); return position + 2;
            case 'f': value.Append('\f'); return position + 2;
            case 'n': value.Append('\n'); return position + 2;
            case 'r': value.Append('\r'); return position + 2;
            case 't': value.Append('\t'); return position + 2;
            case 'v': value.Append('\v'); return position + 2;
            case '\\': value.Append('\\'); return position + 2;
            case '"' or '\'' when c == quote: value.Append(c); return position + 2;
            case 'x': return Hex(key, template, position, 2, value);
            case 'u': return Hex(key, template, position, 4, value);
            case 'U': return Hex(key, template, position, 8, value);
            case >= '0' and <= '7' when position + 3 < template.Length:
                var octal = template.Substring(position + 1, 3);
                if (!octal.All(d => d is >= '0' and <= '7'))
                {
                    break;
                }

                value.Append((char)Convert.ToInt32(octal, 8));
                return position + 4;
        }

        throw new TemplateException(key, $"unknown escape sequence at offset {position}");
    }

    private static int Hex(string key, string template, int position, int digits, StringBuilder value)
    {
        if (position + 2 + digits > template.Length
            || !int.TryParse(template.AsSpan(position + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
            || !Rune.IsValid(code))
        {
            throw new TemplateException(key, $"invalid escape sequence at offset {position}");
        }

        value.Append(new Rune(code).ToString());
        return position + 2 + digits;
    }

    private static (Token, int) NumberToken(string key, string template, int position)
    {
        var start = position;
        while (position < template.Length && (char.IsAsciiLetterOrDigit(template[position]) || template[position] is '.' or '_' or '+' or '-'))
        {
            // A sign is part of the number only at its start or after an exponent letter.
            if (template[position] is '+' or '-' && position != start && template[position - 1] is not ('e' or 'E' or 'p' or 'P'))
            {
                break;
            }

            position++;
        }

        var text = template[start..position];
        return (new Token(TokenKind.Number, text, start, Value: ParseNumber(key, text, start)), position);
    }

    private static object ParseNumber(string key, string text, int offset)
    {
        var clean = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = clean.StartsWith('-');
        var digits = clean.TrimStart('+', '-');
        long? whole = digits switch
        {
            _ when digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) => h,
            _ when digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase) && digits.Length > 2 && digits[2..].All(d => d is '0' or '1') => Convert.ToInt64(digits[2..], 2),
            _ when digits.StartsWith("0o", StringComparison.OrdinalIgnoreCase) && digits.Length > 2 && digits[2..].All(d => d is >= '0' and <= '7') => Convert.ToInt64(digits[2..], 8),
            _ when digits.Length > 1 && digits[0] == '0' && digits.All(d => d is >= '0' and <= '7') => Convert.ToInt64(digits, 8),
            _ when long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
        if (whole is { } w)
        {
            return negative ? -w : w;
        }

        return double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            ? real
            : throw new TemplateException(key, $"bad number syntax \"{text}\" at offset {offset}");
    }
}
