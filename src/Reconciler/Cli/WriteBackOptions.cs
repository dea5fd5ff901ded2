using System.CommandLine;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Git;
using GitOpsSecrets.WriteBack;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>--commit [--push] [--branch B] [--author "Name &lt;email&gt;"] [--message TEMPLATE]</c> and the git
/// credential flags <c>sync</c> also takes, for commands that write files back to the repository.
/// </summary>
public sealed class WriteBackOptions(string defaultMessage)
{
    public Option<bool> Commit { get; } = new("--commit") { Description = "Commit the rewritten files in the work tree that holds them" };

    public Option<bool> Push { get; } = new("--push") { Description = "Push the commit (implies --commit); a moved branch is fetched and the change redone or rebased, with retry" };

    public Option<string?> Branch { get; } = new("--branch") { Description = "Branch to commit on and push to (default: the current branch)" };

    public Option<string?> Author { get; } = new("--author") { Description = "Commit author, \"Name <email>\" (default $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, else gitops-secrets)" };

    public Option<string?> Message { get; } = new("--message") { Description = "Commit message template; {secrets}, {values}, {files}, {key} are replaced (never a value)" };

    public Option<string?> Strategy { get; } = new("--on-push-conflict") { Description = "When the branch moved: redo (run again on the new head, default) or rebase (re-apply this commit; a conflict fails)", HelpName = "redo|rebase" };

    public Option<string?> GitTokenFile { get; } = new("--git-token-file") { Description = "https: file holding the token to push with" };

    public Option<string?> GitUsername { get; } = new("--git-username") { Description = "https: user name sent with the token, default git" };

    public Option<string?> GitSshKeyFile { get; } = new("--git-ssh-key-file") { Description = "ssh: private key file to push with" };

    public Option<string?> GitKnownHostsFile { get; } = new("--git-known-hosts-file") { Description = "ssh: known_hosts file; the host key must be in it" };

    public IEnumerable<Option> All => [Commit, Push, Branch, Author, Message, Strategy, GitTokenFile, GitUsername, GitSshKeyFile, GitKnownHostsFile];

    /// <summary>Adds every write-back option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings, or null when neither --commit nor --push was given (then no other write-back flag may be).</summary>
    public WriteBackSettings? Resolve(ParseResult parse, CliHost host)
    {
        var push = parse.GetValue(Push);
        if (!parse.GetValue(Commit) && !push)
        {
            var stray = All.Skip(2).FirstOrDefault(o => parse.GetResult(o) is not null);
            return stray is null ? null : throw new UsageException($"{stray.Name} needs --commit or --push");
        }

        var (name, email) = parse.GetValue(Author) is { } author ? ParseAuthor(author)
            : (host.GetEnvironmentVariable("GIT_AUTHOR_NAME") ?? "gitops-secrets", host.GetEnvironmentVariable("GIT_AUTHOR_EMAIL") ?? "gitops-secrets@localhost");
        var strategy = parse.GetValue(Strategy) switch
        {
            null or "redo" => GitWriteStrategy.Redo,
            "rebase" => GitWriteStrategy.Rebase,
            var other => throw new UsageException($"--on-push-conflict: \"{other}\" is not redo or rebase"),
        };
        var auth = new GitAuth(parse.GetValue(GitTokenFile), parse.GetValue(GitUsername), parse.GetValue(GitSshKeyFile), parse.GetValue(GitKnownHostsFile));
        return new WriteBackSettings(push, parse.GetValue(Branch), name, email, parse.GetValue(Message) ?? defaultMessage, strategy, auth);
    }

    private static (string Name, string Email) ParseAuthor(string author) =>
        CommitAuthor.TryParse(author, out var parsed)
            ? (parsed.Name, parsed.Email)
            : throw new UsageException($"--author: \"{author}\" is not \"Name <email>\"");
}
