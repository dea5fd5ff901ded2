using System.Security.Cryptography;
using System.Text;

namespace GitOpsSecrets.Worker.Http;

/// <summary>
/// The bearer token <c>/hooks/sync</c> requires, read from its file at each request so a rotated
/// token takes effect without a restart. Compared in constant time over hashes, so neither the
/// token's content nor its length leaks through timing.
/// </summary>
public sealed class SyncHookToken(string? tokenFile)
{
    public bool Configured => tokenFile is not null;

    public bool Accepts(string? authorization)
    {
        if (tokenFile is null || authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string expected;
        try
        {
            expected = File.ReadAllText(tokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var given = authorization["Bearer ".Length..].Trim();
        return expected.Length > 0
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
    }
}
