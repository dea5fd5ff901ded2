using System.Globalization;

namespace GitOpsSecrets.Cli;

/// <summary>Counts in human output: "1 Secret", "2 Secrets", "0 keys".</summary>
public static class Plural
{
    public static string Of(int count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? singular : plural ?? singular + "s")}");
}
