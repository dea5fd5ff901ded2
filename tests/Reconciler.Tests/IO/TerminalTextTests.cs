using GitOpsSecrets.IO;

namespace GitOpsSecrets.Tests.IO;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("apps/db.yaml", "apps/db.yaml")]
    [InlineData("a\nrevision: forged", @"a\nrevision: forged")]
    [InlineData("a\r\tb", @"a\r\tb")]
    [InlineData("red\u001b[31mtext", @"red\x1b[31mtext")]
    [InlineData("nul\0del\u007f", @"nul\x00del\x7f")]
    [InlineData("c1\u009bx", @"c1\x9bx")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("ünïcødé/名前", "ünïcødé/名前")]
    public void Escape_ControlCharacters_BecomeVisibleEscapes_OtherTextIsKept(string text, string expected)
    {
        var escaped = TerminalText.Escape(text);

        escaped.ShouldBe(expected);
        escaped.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029').ShouldBeFalse("nothing that moves the cursor or starts a line may remain");
    }
}
