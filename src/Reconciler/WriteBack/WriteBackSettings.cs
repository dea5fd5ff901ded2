using GitOpsSecrets.Git;

namespace GitOpsSecrets.WriteBack;

/// <summary>How a command commits (and pushes) the files it rewrote: author, branch, message, credentials.</summary>
public sealed record WriteBackSettings(
    bool Push,
    string? Branch,
    string AuthorName,
    string AuthorEmail,
    string MessageTemplate,
    GitWriteStrategy Strategy,
    GitAuth Auth)
{
    /// <summary>
    /// The request that commits, in the work tree holding <paramref name="path"/>, what
    /// <paramref name="change"/> does there; the message is <see cref="MessageTemplate"/> unless
    /// <paramref name="message"/> makes one from the work tree's root after the change.
    /// </summary>
    public WriteBackRequest ToRequest(string path, Func<string, CancellationToken, Task<IReadOnlyList<string>>> change, Func<string, string>? message = null) => new()
    {
        Location = new WorkTreeOf(path, Branch),
        AuthorName = AuthorName,
        AuthorEmail = AuthorEmail,
        Message = MessageTemplate,
        MessageFactory = message,
        Change = change,
        Strategy = Strategy,
        Push = Push,
        Auth = Auth,
    };
}
