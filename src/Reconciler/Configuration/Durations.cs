using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Configuration;

/// <summary>Go-style durations as Kubernetes tools write them: <c>90s</c>, <c>1m30s</c>, <c>720h</c>, <c>0</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|h|m|s)")]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var rest = text.Trim();
        if (rest == "0")
        {
            return true;
        }

        while (rest.Length > 0)
        {
            var match = Part().Match(rest);
            if (!match.Success)
            {
                value = TimeSpan.Zero;
                return false;
            }

            var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            try
            {
                value += match.Groups[2].Value switch
                {
                    "h" => TimeSpan.FromHours(number),
                    "m" => TimeSpan.FromMinutes(number),
                    "s" => TimeSpan.FromSeconds(number),
                    _ => TimeSpan.FromMilliseconds(number),
                };
            }
            catch (OverflowException)
            {
                // Longer than TimeSpan can hold: not a duration, as Go's ParseDuration says for >292 years.
                value = TimeSpan.Zero;
                return false;
            }

            rest = rest[match.Length..];
        }

        return true;
    }

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value) ? value : throw new InputException($"{what}: \"{text}\" is not a duration (examples: 30s, 5m, 1h30m, 720h)");

    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0";
        }

        var parts = new List<string>();
        if ((int)value.TotalHours > 0)
        {
            parts.Add($"{(int)value.TotalHours}h");
        }

        if (value.Minutes > 0)
        {
            parts.Add($"{value.Minutes}m");
        }

        if (value.Seconds > 0 || value.Milliseconds > 0)
        {
            parts.Add(value.Milliseconds > 0 ? $"{value.Seconds + (value.Milliseconds / 1000.0):0.###}s" : $"{value.Seconds}s");
        }

        return string.Concat(parts);
    }
}
