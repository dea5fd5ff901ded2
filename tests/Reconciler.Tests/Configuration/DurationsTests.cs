using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Tests.Configuration;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("90s", 90_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("720h", 2_592_000_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("300ms", 300)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("2s500ms", 2_500)]
    [InlineData(" 5m ", 300_000)]
    [InlineData("0s", 0)]
    [InlineData("1m1m", 120_000)]
    public void TryParse_GoStyle(string text, long milliseconds)
    {
        Durations.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("5")]
    [InlineData("1d")]
    [InlineData("h")]
    [InlineData("1h 30m")]
    [InlineData("five minutes")]
    [InlineData("5m-")]
    [InlineData("99999999999999999999h")]
    [InlineData("9000000000h")]
    public void TryParse_Invalid_IsFalseNotAnException(string? text)
    {
        Durations.TryParse(text, out var value).ShouldBeFalse();
        value.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Parse_Invalid_IsAnInputErrorNamingTheFlag()
    {
        Should.Throw<InputException>(() => Durations.Parse("soon", "--interval")).Message
            .ShouldBe("--interval: \"soon\" is not a duration (examples: 30s, 5m, 1h30m, 720h)");
        Durations.Parse("2m", "--interval").ShouldBe(TimeSpan.FromMinutes(2));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(90_000, "1m30s")]
    [InlineData(2_592_000_000, "720h")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(3_605_000, "1h5s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(250, "0.25s")]
    [InlineData(172_800_000, "48h")]
    [InlineData(3_723_004, "1h2m3.004s")]
    public void Format_IsParseable(long milliseconds, string expected)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);

        Durations.Format(value).ShouldBe(expected);
        Durations.TryParse(expected, out var back).ShouldBeTrue();
        back.ShouldBe(value);
    }
}
