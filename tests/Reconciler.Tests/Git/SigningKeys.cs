using System.Diagnostics;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// Real signing keys for the signed-commits tests: ed25519 keys from ssh-keygen, and OpenPGP keys made by
/// gpg in batch mode (no passphrase) in a GnuPG home of its own, plus the files a verifier is given (an
/// allowed-signers file, an exported keyring). Commits are signed by the git command line, as a person would.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    private readonly TempDirectory _root = new();

    public SigningKeys()
    {
        GnupgHome = Path.Combine(_root.Path, "gnupg");
        Directory.CreateDirectory(GnupgHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        GpgProgram = _root.Write("gpg-signer", $"#!/bin/sh\nGNUPGHOME='{GnupgHome}' exec gpg \"$@\"\n");
        File.SetUnixFileMode(GpgProgram, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string GnupgHome { get; }

    /// <summary>gpg with this fixture's home, for git's <c>gpg.program</c>.</summary>
    public string GpgProgram { get; }

    /// <summary>Makes an ed25519 key; returns the private key's path (the public key is next to it, .pub).</summary>
    public string SshKey(string name)
    {
        var path = _root.File(name);
        Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", name, "-f", path]);
        return path;
    }

    /// <summary>An allowed-signers file granting the given ssh keys the "git" namespace.</summary>
    public string AllowedSigners(params string[] keys) =>
        _root.Write($"allowed-signers-{Guid.NewGuid():N}", string.Concat(keys.Select(k => $"{Path.GetFileName(k)}@example.test namespaces=\"git\" {File.ReadAllText(k + ".pub").Trim()}\n")));

    /// <summary>Makes an OpenPGP ed25519 key for <paramref name="email"/> in the fixture's home; returns the email as its user id.</summary>
    public string GpgKey(string name, string email)
    {
        var parameters = _root.Write($"{name}.params", $"%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nName-Real: {name}\nName-Email: {email}\nExpire-Date: 0\n%commit\n");
        Run("gpg", ["--batch", "--quiet", "--gen-key", parameters]);
        return email;
    }

    /// <summary>A binary keyring holding the given keys' public parts (what <c>source.verify.keyring</c> takes).</summary>
    public string Keyring(params string[] emails)
    {
        var path = _root.File($"keyring-{Guid.NewGuid():N}.gpg");
        Run("gpg", ["--batch", "--yes", "--output", path, "--export", .. emails]);
        new FileInfo(path).Length.ShouldBeGreaterThan(0, $"gpg exported nothing for {string.Join(", ", emails)}");
        return path;
    }

    /// <summary>Commits (and pushes) like <see cref="RemoteRepository.Commit(string, string, string?, string)"/>, signed with an ssh key.</summary>
    public string CommitSsh(RemoteRepository remote, string key, string message, string path, string content, string branch = "main") =>
        CommitSigned(remote, ["-c", "gpg.format=ssh", "-c", $"user.signingkey={key}"], message, path, content, branch);

    /// <summary>As <see cref="CommitSsh"/>, signed with an OpenPGP key of this fixture.</summary>
    public string CommitGpg(RemoteRepository remote, string email, string message, string path, string content, string branch = "main") =>
        CommitSigned(remote, ["-c", "gpg.format=openpgp", "-c", $"gpg.program={GpgProgram}", "-c", $"user.signingkey={email}"], message, path, content, branch);

    private static string CommitSigned(RemoteRepository remote, string[] signing, string message, string path, string content, string branch)
    {
        remote.Checkout(branch);
        var full = Path.Combine(remote.AuthorPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        GitCli.Run(remote.AuthorPath, "add", path);
        GitCli.Run(remote.AuthorPath, [.. signing, "commit", "--quiet", "-S", "-m", message]);
        GitCli.Run(remote.AuthorPath, "push", "--quiet", "--force", "origin", branch);
        return remote.Head();
    }

    private void Run(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GNUPGHOME"] = GnupgHome;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"{program} {string.Join(' ', args)} failed: {stderr}{stdout.Result}");
    }

    public void Dispose()
    {
        try
        {
            // gpg started an agent for this home; stop it so it does not outlive the test.
            using var kill = Process.Start(new ProcessStartInfo("gpgconf", ["--homedir", GnupgHome, "--kill", "gpg-agent"]) { RedirectStandardError = true })!;
            kill.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No gpgconf: nothing was started either.
        }

        _root.Dispose();
    }
}
