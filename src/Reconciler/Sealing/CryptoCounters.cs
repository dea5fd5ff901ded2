namespace GitOpsSecrets.Sealing;

/// <summary>
/// Counts RSA private-key operations, the cost that incremental sync exists to avoid; sync reports
/// it, and tests assert that a sync with nothing new does none.
/// </summary>
public sealed class CryptoCounters
{
    private long _rsaPrivateOperations;

    public long RsaPrivateOperations => Interlocked.Read(ref _rsaPrivateOperations);

    internal void CountRsaPrivateOperation() => Interlocked.Increment(ref _rsaPrivateOperations);
}
