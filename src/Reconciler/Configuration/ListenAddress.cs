using System.Globalization;

namespace GitOpsSecrets.Configuration;

/// <summary>
/// The worker's listen address in every form people bring: an <c>http://</c> URL, <c>HOST:PORT</c>,
/// or <c>:PORT</c> for all interfaces (Bitnami's <c>--listen-addr :8080</c>, Go's form).
/// </summary>
public static class ListenAddress
{
    public const string AllInterfaces = "0.0.0.0";

    public const string Examples = ":8080, 127.0.0.1:8080, http://0.0.0.0:8080";

    /// <summary>The URL Kestrel binds, or false when the text is none of the forms.</summary>
    public static bool TryToUrl(string text, out string url)
    {
        url = string.Empty;
        var trimmed = text.Trim();
        if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            var valid = Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/";
            url = valid ? trimmed.TrimEnd('/') : string.Empty;
            return valid;
        }

        var split = trimmed.LastIndexOf(':');
        if (split < 0 || !int.TryParse(trimmed[(split + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        var host = split == 0 ? AllInterfaces : trimmed[..split];
        var bareIpv6 = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[');
        if (bareIpv6 || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            return false;
        }

        url = string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}");
        return true;
    }
}
