using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Tests.Configuration;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData(":8080", "http://0.0.0.0:8080")]
    [InlineData("127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("localhost:9000", "http://localhost:9000")]
    [InlineData("[::1]:8080", "http://[::1]:8080")]
    [InlineData(":0", "http://0.0.0.0:0")]
    [InlineData("http://0.0.0.0:8080", "http://0.0.0.0:8080")]
    [InlineData("http://127.0.0.1:8080/", "http://127.0.0.1:8080")]
    [InlineData("https://worker.example:8443", "https://worker.example:8443")]
    public void TryToUrl_EveryAcceptedForm_GivesTheUrlKestrelBinds(string text, string expected)
    {
        ListenAddress.TryToUrl(text, out var url).ShouldBeTrue(text);
        url.ShouldBe(expected);
    }

    [Theory]
    [InlineData("not-a-url")]
    [InlineData("8080")]
    [InlineData(":http")]
    [InlineData(":65536")]
    [InlineData("::1:8080")]
    [InlineData("ftp://host:21")]
    [InlineData("http://host:8080/path")]
    [InlineData("bad host:8080")]
    public void TryToUrl_NotAnAddress_False(string text)
    {
        ListenAddress.TryToUrl(text, out _).ShouldBeFalse(text);
    }
}
