namespace GitOpsSecrets.Configuration;

/// <summary>
/// <c>source.verify</c>: apply a revision only when every commit new since the last verified one carries a
/// good signature from an allowed key (see docs/security.md, "Signed commits only").
/// </summary>
public sealed class CommitVerificationConfiguration
{
    /// <summary><c>ssh</c> (an allowed-signers file, as <c>gpg.ssh.allowedSignersFile</c>) or <c>gpg</c> (a keyring read by gpgv).</summary>
    public string? Mode { get; set; }

    /// <summary>ssh: the allowed-signers file (<c>ssh-keygen(1)</c> "ALLOWED SIGNERS" format).</summary>
    public string? AllowedSigners { get; set; }

    /// <summary>gpg: the keyring of allowed public keys (<c>gpg --export KEYID... &gt; FILE</c>, binary, not armored).</summary>
    public string? Keyring { get; set; }

    /// <summary>
    /// The trust anchor: a commit id whose history (itself included) is trusted without signatures. The new
    /// head must descend from it. Without it, the first verification checks the whole history.
    /// </summary>
    public string? Since { get; set; }
}
