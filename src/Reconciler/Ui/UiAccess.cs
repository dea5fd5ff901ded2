using System.Security.Cryptography;
using System.Text;
using GitOpsSecrets.Configuration;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Ui;

/// <summary>
/// Who may read the status data behind the page (<c>worker.ui.auth</c>): anyone, the holder of a
/// bearer token (read from its file at each request so a rotated token needs no restart, or from an
/// environment variable once), or a request that carries the header an authenticating proxy (an OIDC
/// proxy in front of the worker) sets. The page's static files and the public certificate are not
/// guarded: they hold nothing secret, and a browser cannot add a token to a page load.
/// </summary>
public sealed class UiAccess
{
    private readonly string? _tokenFile;
    private readonly string? _token;
    private readonly string? _trustedHeader;

    public UiAccess(UiAuthSettings settings, Func<string, string?> environment)
    {
        _tokenFile = string.IsNullOrEmpty(settings.BearerTokenFile) ? null : settings.BearerTokenFile;
        _trustedHeader = string.IsNullOrEmpty(settings.TrustedHeader) ? null : settings.TrustedHeader;
        if (!string.IsNullOrEmpty(settings.BearerTokenEnv))
        {
            _token = environment(settings.BearerTokenEnv)?.Trim();
            if (string.IsNullOrEmpty(_token))
            {
                throw new InputException($"worker.ui.auth.bearerTokenEnv: the environment variable {settings.BearerTokenEnv} is not set or empty");
            }
        }
    }

    public static UiAccess Open { get; } = new(new UiAuthSettings(), _ => null);

    /// <summary>The scheme the page must use: <c>bearer</c>, <c>header</c> or <c>none</c>.</summary>
    public string Scheme => _tokenFile is not null || _token is not null ? "bearer" : _trustedHeader is not null ? "header" : "none";

    public bool Allows(HttpRequest request)
    {
        if (_trustedHeader is not null)
        {
            return request.Headers.TryGetValue(_trustedHeader, out var user) && !string.IsNullOrWhiteSpace(user.ToString());
        }

        if (_tokenFile is null && _token is null)
        {
            return true;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var expected = _token ?? ReadTokenFile();
        var given = authorization["Bearer ".Length..].Trim();
        return !string.IsNullOrEmpty(expected)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
    }

    private string? ReadTokenFile()
    {
        try
        {
            return File.ReadAllText(_tokenFile!).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
