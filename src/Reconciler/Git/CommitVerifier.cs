using System.Text;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Git;

/// <summary>
/// Signed commits only: every commit reachable from the new head and not from the last verified commit
/// (nor from the trust anchor <c>verify.since</c>) must carry a good signature from an allowed key. That is
/// every commit of a fast-forward range, both sides of a merge, and after a force-push every commit the
/// rewritten history brings that was not verified before. Verification is git's own: <c>git log %G?</c>
/// classifies each commit and names the reason, then <c>git verify-commit</c> confirms the whole range, so
/// an accepted range has passed the same check a person would run by hand.
/// </summary>
public sealed class CommitVerifier(CommitSignaturePolicy policy, string scratchDirectory)
{
    /// <summary>verify-commit takes many commits at once; a bounded batch keeps the argument list short.</summary>
    private const int BatchSize = 200;

    public CommitSignaturePolicy Policy => policy;

    /// <summary>
    /// Checks the commits new in <paramref name="head"/>. Returns how many were checked; throws
    /// <see cref="SourceVerificationException"/> naming the first refused commit (oldest first) and why.
    /// </summary>
    public int Verify(string workTree, string head, string? lastVerified, CancellationToken cancellationToken)
    {
        policy.ReadSigners(); // a missing file is a configuration error, not "every commit unsigned"
        var git = new Runner(workTree, Settings(), Environment(), cancellationToken);
        var exclude = new List<string>();
        if (policy.Since is { } since)
        {
            var anchor = git.ResolveCommit(since)
                ?? throw new SourceVerificationException($"source.verify.since {since} is not a commit in the repository");
            if (git.Run(["merge-base", "--is-ancestor", anchor, head]).ExitCode != 0)
            {
                throw new SourceVerificationException($"commit {head} does not descend from source.verify.since {anchor} (history rewritten below the trust anchor)");
            }

            exclude.Add(anchor);
        }

        if (lastVerified is not null && git.ResolveCommit(lastVerified) is { } last)
        {
            exclude.Add(last);
        }

        var range = new List<string> { "log", "--topo-order", "--reverse", "--format=%H %G? %GK", head };
        range.AddRange(exclude.Select(e => "^" + e));
        range.Add("--");
        var listed = git.Run(range);
        if (listed.ExitCode != 0)
        {
            throw new GitException($"git log of the commits to verify failed: {FirstLine(listed.Error)}");
        }

        var commits = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseLine).ToList();
        var basis = exclude.Count == 0 ? "in the whole history" : lastVerified is not null && exclude.Contains(lastVerified) ? $"since the last verified commit {lastVerified}" : "since the trust anchor";
        for (var i = 0; i < commits.Count; i++)
        {
            if (Refusal(commits[i]) is { } reason)
            {
                throw new SourceVerificationException($"commit {commits[i].Id} ({i + 1} of {commits.Count} new {basis}) {reason}; source.verify ({Mode}) applies only commits signed by an allowed key");
            }
        }

        foreach (var batch in commits.Chunk(BatchSize))
        {
            if (git.Run(["verify-commit", .. batch.Select(c => c.Id)]).ExitCode == 0)
            {
                continue;
            }

            foreach (var commit in batch)
            {
                var single = git.Run(["verify-commit", commit.Id]);
                if (single.ExitCode != 0)
                {
                    throw new SourceVerificationException($"commit {commit.Id} was refused by git verify-commit ({FirstLine(single.Error)}); source.verify ({Mode}) applies only commits signed by an allowed key");
                }
            }
        }

        return commits.Count;
    }

    private string Mode => policy.Mode == SignatureMode.Ssh ? "ssh" : "gpg";

    private sealed record CommitStatus(string Id, char Status, string Key);

    private static CommitStatus ParseLine(string line)
    {
        var parts = line.Trim().Split(' ', 3);
        return new CommitStatus(parts[0], parts.Length > 1 && parts[1].Length == 1 ? parts[1][0] : '?', parts.Length > 2 ? parts[2] : string.Empty);
    }

    /// <summary>Why a commit is refused, or null when its signature is good and from an allowed key (git's "G").</summary>
    private string? Refusal(CommitStatus commit) => commit.Status switch
    {
        'G' => null,
        'N' => "is not signed",
        'U' => $"is signed by key {commit.Key}, which is not in the allowed keys ({policy.SignersField} {policy.SignersFile})",
        'E' => string.IsNullOrEmpty(commit.Key)
            ? "has a signature that cannot be checked (not made for this source.verify.mode?)"
            : $"is signed by key {commit.Key}, which is not in the allowed keys ({policy.SignersField} {policy.SignersFile})",
        'B' => $"has a bad signature (key {commit.Key}): the commit or its signature was altered",
        'X' => $"has an expired signature (key {commit.Key})",
        'Y' => $"is signed by key {commit.Key}, which has expired",
        'R' => $"is signed by key {commit.Key}, which is revoked",
        _ => $"has a signature git does not accept (status {commit.Status})",
    };

    /// <summary>
    /// Git picks the verifier from the signature's own armor, not from gpg.format, so the verifier of the
    /// other format is pointed at <c>false</c>: an OpenPGP signature can never pass in ssh mode by way of
    /// whatever keys the worker's own GnuPG home happens to hold, nor an x509 one in either mode.
    /// </summary>
    private List<string> Settings()
    {
        var settings = new List<string> { "log.showSignature=false", "gpg.x509.program=false" };
        if (policy.Mode == SignatureMode.Ssh)
        {
            settings.AddRange(["gpg.format=ssh", "gpg.ssh.program=ssh-keygen", "gpg.ssh.allowedSignersFile=" + policy.SignersFile, "gpg.program=false"]);
        }
        else
        {
            settings.AddRange(["gpg.format=openpgp", "gpg.program=" + GpgvScript(), "gpg.ssh.program=false"]);
        }

        return settings;
    }

    private Dictionary<string, string> Environment() => policy.Mode == SignatureMode.Gpg
        ? new() { [KeyringVariable] = policy.SignersFile, [HomeVariable] = GpgvHome() }
        : [];

    private const string KeyringVariable = "GITOPS_SECRETS_GPGV_KEYRING";
    private const string HomeVariable = "GITOPS_SECRETS_GPGV_HOME";

    /// <summary>
    /// git calls <c>PROGRAM --keyid-format=long --status-fd=1 --verify SIGFILE -</c>; gpgv takes neither of the
    /// first two, and trusts exactly the keys of the keyring it is given, which is the policy we want.
    /// </summary>
    private string GpgvScript()
    {
        Directory.CreateDirectory(scratchDirectory);
        var script = Path.Combine(scratchDirectory, "gpgv-verify");
        const string Text = "#!/bin/sh\n"
            + "# Written by gitops-secrets: git runs gpg.program with gpg's options; gpgv checks against one keyring.\n"
            + "sig=\n"
            + "while [ $# -gt 0 ]; do case \"$1\" in --verify) shift; sig=$1;; esac; shift; done\n"
            + "exec gpgv --homedir \"$" + HomeVariable + "\" --keyring \"$" + KeyringVariable + "\" --status-fd=1 -- \"$sig\" -\n";
        if (!File.Exists(script) || File.ReadAllText(script) != Text)
        {
            var temporary = script + "." + System.Environment.ProcessId + ".tmp";
            File.WriteAllText(temporary, Text, new UTF8Encoding(false));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            File.Move(temporary, script, overwrite: true);
        }

        return script;
    }

    private string GpgvHome()
    {
        var home = Path.Combine(scratchDirectory, "gpgv-home");
        if (!Directory.Exists(home))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(home);
            }
            else
            {
                Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return home;
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";

    private sealed class Runner(string workTree, List<string> settings, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        public GitCommandLine.Result Run(IReadOnlyList<string> args) =>
            GitCommandLine.Run(workTree, [.. settings.SelectMany(s => new[] { "-c", s }), .. args], environment, cancellationToken);

        public string? ResolveCommit(string name)
        {
            var result = Run(["rev-parse", "--verify", "--quiet", name + "^{commit}"]);
            return result.ExitCode == 0 ? result.Output.Trim() : null;
        }
    }
}
