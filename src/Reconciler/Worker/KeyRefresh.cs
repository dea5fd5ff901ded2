using GitOpsSecrets.Keys;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker;

/// <summary>The worker's periodic reload of the current keys: a store that cannot be read is logged and leaves the current ring in place.</summary>
public static class KeyRefresh
{
    public static async Task RefreshAsync(this CurrentKeys keys, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await keys.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (Failures.IsExpected(e))
        {
            logger.LogWarning("Reading keys from {Store} failed: {Error}", keys.StoreDescription, e.Message);
        }
    }
}
