using System.Globalization;
using System.Text;

namespace GitOpsSecrets.IO;

/// <summary>
/// The one escaper for text that came from outside (file names, repository paths, manifest fields, error
/// messages quoting them) on its way to a terminal, a log line or a text report: control characters (C0, DEL,
/// C1, including newline and ESC) and Unicode line/paragraph separators become visible escapes such as
/// <c>\n</c> and <c>\x1b</c>, so a file name can neither forge a line of output nor send terminal control
/// sequences. JSON output needs none of this: its encoder escapes control characters itself.
/// </summary>
public static class TerminalText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                < '\x100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
