using System.Security.Cryptography;
using System.Text;
using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Git;

/// <summary>How commits are verified: which program checks them and against which allowed keys.</summary>
public enum SignatureMode
{
    /// <summary>SSH signatures, checked by ssh-keygen against an allowed-signers file.</summary>
    Ssh,

    /// <summary>OpenPGP signatures, checked by gpgv against a keyring.</summary>
    Gpg,
}

/// <summary>
/// <c>source.verify</c>, checked: the mode, the file of allowed keys (absolute) and the optional trust anchor.
/// </summary>
public sealed record CommitSignaturePolicy(SignatureMode Mode, string SignersFile, string? Since)
{
    /// <summary>The policy for a configuration, or null when <c>source.verify</c> is absent. Throws <see cref="InputException"/> naming the field.</summary>
    public static CommitSignaturePolicy? From(CommitVerificationConfiguration? verify)
    {
        if (verify is null)
        {
            return null;
        }

        var mode = verify.Mode?.Trim().ToLowerInvariant() switch
        {
            "ssh" => SignatureMode.Ssh,
            "gpg" => SignatureMode.Gpg,
            null or "" => throw new InputException("source.verify.mode: required (ssh or gpg)"),
            _ => throw new InputException($"source.verify.mode: \"{verify.Mode}\" is not ssh or gpg"),
        };
        var (field, file, other) = mode == SignatureMode.Ssh
            ? ("allowedSigners", verify.AllowedSigners, verify.Keyring is null ? null : "keyring")
            : ("keyring", verify.Keyring, verify.AllowedSigners is null ? null : "allowedSigners");
        if (other is not null)
        {
            throw new InputException($"source.verify.{other}: not used with mode {verify.Mode} (use {field})");
        }

        if (string.IsNullOrWhiteSpace(file))
        {
            throw new InputException($"source.verify.{field}: required with mode {verify.Mode}");
        }

        var since = string.IsNullOrWhiteSpace(verify.Since) ? null : verify.Since.Trim();
        if (since is not null && !(since.Length is >= 7 and <= 64 && since.All(char.IsAsciiHexDigit)))
        {
            throw new InputException($"source.verify.since: \"{since}\" is not a commit id (a branch or tag could be moved by whoever pushes)");
        }

        return new CommitSignaturePolicy(mode, Path.GetFullPath(file), since);
    }

    public string SignersField => Mode == SignatureMode.Ssh ? "allowedSigners" : "keyring";

    /// <summary>
    /// Names the ref that remembers the last verified commit. It covers the allowed keys' content, so a
    /// changed signers file or anchor starts verification afresh instead of trusting what an older list accepted.
    /// </summary>
    public string Fingerprint()
    {
        var text = Encoding.UTF8.GetBytes($"{Mode}\n{Since}\n");
        var content = ReadSigners();
        return Convert.ToHexStringLower(SHA256.HashData([.. text, .. content]))[..16];
    }

    /// <summary>The allowed keys' file, or a one-line error naming it.</summary>
    public byte[] ReadSigners()
    {
        try
        {
            return File.ReadAllBytes(SignersFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GitException($"source.verify.{SignersField} {SignersFile} cannot be read: {e.Message}");
        }
    }
}
