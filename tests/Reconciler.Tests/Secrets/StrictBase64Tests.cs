using System.Text;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.Secrets;

/// <summary>Base64 as Go's StdEncoding reads it (the API server, Bitnami's controller), not as .NET's lenient decoder does.</summary>
public sealed class StrictBase64Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("aGk=", "hi")]
    [InlineData("aGVsbG8=", "hello")]
    [InlineData("aGVs\nbG8=", "hello")]
    [InlineData("aGVsbG8=\r\n", "hello")]
    [InlineData("aGVsbA==", "hell")]
    public void TryDecode_WhatGoAccepts_Decodes(string text, string expected)
    {
        var bytes = StrictBase64.TryDecode(text, out var error);

        error.ShouldBeNull();
        Encoding.UTF8.GetString(bytes.ShouldNotBeNull()).ShouldBe(expected);
    }

    [Theory]
    [InlineData("aGVsbG8")]
    [InlineData("aGk")]
    [InlineData("aG=k")]
    [InlineData("aGk=aGk=")]
    [InlineData("a===")]
    [InlineData("aGVsbG8=AAAA")]
    public void TryDecode_WhatGoRefuses_Fails(string text)
    {
        StrictBase64.TryDecode(text, out var error).ShouldBeNull($"\"{text}\" is not StdEncoding base64");
        error.ShouldNotBeNull().ShouldStartWith("illegal base64 data at input byte ");
    }

    [Theory]
    [InlineData("aGVs bG8=", 4)]
    [InlineData("aGVs\tbG8=", 4)]
    [InlineData(" aGVsbG8=", 0)]
    [InlineData("aGVsbG8!", 7)]
    public void TryDecode_ForeignCharacter_NamesItsPositionAsGoDoes(string text, int position)
    {
        StrictBase64.TryDecode(text, out var error).ShouldBeNull();
        error.ShouldBe($"illegal base64 data at input byte {position}");
    }
}
