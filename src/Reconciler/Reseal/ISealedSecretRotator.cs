using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>Re-encrypts a SealedSecret's values to the newest key: locally with private keys, or through a worker.</summary>
public interface ISealedSecretRotator
{
    /// <summary>For messages: "local keys", "https://worker/v1/rotate".</summary>
    string Description { get; }

    /// <summary>Fingerprint of the key everything should be sealed to after the run.</summary>
    Task<string> NewestFingerprintAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The values that must change (key → new ciphertext), or the failure. Never throws for a SealedSecret
    /// that does not open: that is an outcome the run reports.
    /// </summary>
    Task<Rotation> RotateAsync(SealedSecret sealedSecret, CancellationToken cancellationToken);
}

/// <summary>What rotating one SealedSecret gave: the new values, the keys it was sealed to before, or an error.</summary>
public sealed record Rotation(IReadOnlyDictionary<string, string> NewValues, IReadOnlyList<string> PreviousKeys, string? Error)
{
    public static Rotation Failed(string error) => new(new Dictionary<string, string>(), [], error);
}
