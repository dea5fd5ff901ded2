using GitOpsSecrets.Keys;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Worker.Scheduling;

/// <summary>
/// Adds a sealing key to the store when one is due (see <see cref="KeyRenewalPolicy"/>). Only ever adds:
/// old keys stay, because SealedSecrets sealed to them must keep opening.
/// </summary>
public sealed class KeyRenewer(IKeyStore store, KeyGenerator generator, TimeProvider time, RenewalSettings settings, ILogger<KeyRenewer> logger)
{
    /// <summary>Checks the store and adds a key if one is due; returns when to check again.</summary>
    public async Task<RenewalDecision> RenewIfDueAsync(CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(cancellationToken);
        using var ring = new KeyRing(loaded.Keys);
        var decision = KeyRenewalPolicy.Decide(ring.Newest?.NotBefore, settings.Period, settings.CutoffTime, time.GetUtcNow());
        if (!decision.RenewNow)
        {
            logger.LogDebug("No new sealing key: {Reason}", decision.Reason);
            return decision;
        }

        using var key = generator.Generate("sealing-key", settings.KeySize);
        IO.CrashPoints.Reached(IO.CrashPoints.KeyGenerated);
        var name = await store.AddAsync(key, cancellationToken);
        IO.CrashPoints.Reached(IO.CrashPoints.KeyStored);
        logger.LogInformation("Added sealing key {Name} ({Fingerprint}) to {Store}: {Reason}", name, key.ShortFingerprint, store.Description, decision.Reason);

        // The new key is now the newest, so the next one is due a full period after it was made.
        var next = settings.Period > TimeSpan.Zero ? key.NotBefore + settings.Period : (DateTimeOffset?)null;
        return new RenewalDecision(true, next, decision.Reason);
    }
}

/// <summary>How often keys are renewed (0 disables), the cutoff time, and the key size (RSA-4096 like the controller).</summary>
public sealed record RenewalSettings(TimeSpan Period, DateTimeOffset? CutoffTime, int KeySize = KeyGenerator.DefaultKeySize);
