using System.Text;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Tests.Sealing;

public sealed class TemplateRendererTests
{
    private static readonly Dictionary<string, byte[]> Values = new(StringComparer.Ordinal)
    {
        ["user"] = "admin"u8.ToArray(),
        ["password"] = "s3cr3t"u8.ToArray(),
        ["db-host"] = "db.local"u8.ToArray(),
        ["bin"] = [0xff, 0x00, 0xfe],
        ["a\"b"] = "quoted"u8.ToArray(),
    };

    private static string Render(string template) => Encoding.UTF8.GetString(TemplateRenderer.Render("cfg", template, Values));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("", "")]
    [InlineData("{{ .user }}", "admin")]
    [InlineData("{{.user}}", "admin")]
    [InlineData("{{   .user   }}", "admin")]
    [InlineData("{{ index . \"db-host\" }}", "db.local")]
    [InlineData("{{index . \"user\"}}", "admin")]
    [InlineData("{{ index . \"a\\\"b\" }}", "quoted")]
    [InlineData("postgres://{{ .user }}:{{ .password }}@{{ index . \"db-host\" }}/app", "postgres://admin:s3cr3t@db.local/app")]
    [InlineData("a {{- .user }} b", "aadmin b")]
    [InlineData("a {{ .user -}}   \n b", "a adminb")]
    [InlineData("a\n  {{- .user -}}\n  b", "aadminb")]
    [InlineData("x{{/* a comment */}}y", "xy")]
    [InlineData("a\t\r\n{{-\t.user\n-}}\t\r\n b", "aadminb")]
    [InlineData("a\u00a0{{- .user -}}\u00a0b", "a\u00a0admin\u00a0b")]
    [InlineData("a\u2003{{- .user }}", "a\u2003admin")]
    [InlineData("{ .user } and }} alone", "{ .user } and }} alone")]
    [InlineData("héllo {{ .user }} ✓", "héllo admin ✓")]
    public void Render_SupportedConstructs(string template, string expected)
    {
        Render(template).ShouldBe(expected);
    }

    [Fact]
    public void Render_BinaryValue_IsCopiedByteForByte()
    {
        TemplateRenderer.Render("cfg", "<{{ .bin }}>", Values).ShouldBe(new byte[] { (byte)'<', 0xff, 0x00, 0xfe, (byte)'>' });
    }

    [Theory]
    [InlineData("{{}}", "missing value for command (offset 2)")]
    [InlineData("{{-.user}}", "bad number syntax \"-.user\" at offset 2")]
    [InlineData("{{\u00a0.user\u00a0}}", "unexpected character U+00A0 in action at offset 2")]
    [InlineData("{{ index . user }}", "function \"user\" not defined")]
    [InlineData("{{ .user.name }}", "can't evaluate field name in type string")]
    [InlineData("{{ if .user }}x", "unclosed {{if}}: missing {{end}} (offset 0)")]
    [InlineData("{{ end }}", "unexpected {{end}} (offset 3)")]
    [InlineData("{{ define \"x\" }}{{ end }}", "{{define}} is not supported in a SealedSecret template (offset 3)")]
    [InlineData("{{ break }}", "{{break}} outside {{range}} (offset 3)")]
    [InlineData("{{ $y }}", "undefined variable: $y")]
    public void Render_Malformed_OneLineErrorNamingTheKey(string template, string message)
    {
        var error = Should.Throw<TemplateException>(() => Render(template));

        error.Message.ShouldBe($"spec.template.data.cfg: {message}");
    }

    [Theory]
    [InlineData("{{ .missing }}", "missing")]
    [InlineData("{{ index . \"no-such\" }}", "no-such")]
    public void Render_MissingValue_IsAnErrorNotGosNoValue(string template, string reference)
    {
        Should.Throw<TemplateException>(() => Render(template)).Message
            .ShouldBe($"spec.template.data.cfg: refers to \"{reference}\", which is not in encryptedData");
    }

    [Fact]
    public void Render_UnclosedAction_NamesTheOffset()
    {
        Should.Throw<TemplateException>(() => Render("abc{{ .user")).Message.ShouldBe("spec.template.data.cfg: unclosed action at offset 3");
    }

    [Fact]
    public void Render_Errors_NeverContainValues()
    {
        var error = Should.Throw<TemplateException>(() => Render("{{ .password }}{{ .password | upper | b64dec }}"));

        error.Message.ShouldNotContain("s3cr3t");
    }
}
