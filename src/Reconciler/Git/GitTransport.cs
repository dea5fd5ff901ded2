using LibGit2Sharp;

namespace GitOpsSecrets.Git;

/// <summary>
/// How one repository talks to one remote: credentials for https, the ssh program for ssh, cancellation,
/// and the translation of libgit2's errors into one-line <see cref="GitException"/>s without credentials.
/// </summary>
internal sealed class GitTransport
{
    private readonly GitAuth _auth;
    private readonly string? _token;
    private int _credentialRequests;

    private GitTransport(string url, GitAuth auth, string? token, SshCommand? ssh)
    {
        Url = url;
        _auth = auth;
        _token = token;
        Ssh = ssh;
    }

    /// <summary>The remote URL as given to libgit2 (may hold credentials: never print it, print <see cref="Description"/>).</summary>
    public string Url { get; }

    public string Description => GitUrls.Scrub(Url);

    public SshCommand? Ssh { get; }

    /// <summary>Reads the token file and, for ssh remotes, writes the ssh program into <paramref name="scratchDirectory"/>.</summary>
    public static GitTransport Create(string url, GitAuth auth, string scratchDirectory)
    {
        var normalized = GitUrls.Normalize(url);
        string? token = null;
        if (!string.IsNullOrEmpty(auth.TokenFile))
        {
            try
            {
                token = File.ReadAllText(auth.TokenFile).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GitException($"token file {auth.TokenFile} cannot be read: {e.GetType().Name}");
            }

            if (token.Length == 0)
            {
                throw new GitException($"token file {auth.TokenFile} is empty");
            }
        }

        var ssh = GitUrls.IsSsh(normalized) ? SshCommand.Write(scratchDirectory, auth) : null;
        return new GitTransport(normalized, auth, token, ssh);
    }

    /// <summary>Points the repository's <c>core.sshCommand</c> at our ssh program (ssh remotes only).</summary>
    public void ConfigureSsh(Repository repository)
    {
        if (Ssh is not null)
        {
            repository.Config.Set("core.sshCommand", Ssh.ScriptPath, ConfigurationLevel.Local);
        }
    }

    public FetchOptions FetchOptions(CancellationToken cancellationToken)
    {
        var options = new FetchOptions
        {
            Prune = true,
            TagFetchMode = TagFetchMode.None,
            OnTransferProgress = _ => !cancellationToken.IsCancellationRequested,
            OnProgress = _ => !cancellationToken.IsCancellationRequested,
        };
        if (_token is not null)
        {
            options.CredentialsProvider = Credentials;
        }

        return options;
    }

    public PushOptions PushOptions(Action<string, string> onRejected)
    {
        var options = new PushOptions
        {
            OnPushStatusError = error => onRejected(error.Reference, error.Message),
        };
        if (_token is not null)
        {
            options.CredentialsProvider = Credentials;
        }

        return options;
    }

    /// <summary>Runs one network operation and turns its failure into a <see cref="GitException"/>.</summary>
    public T Run<T>(string operation, Func<T> action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _credentialRequests = 0;
        Ssh?.ClearStderr();
        try
        {
            return action();
        }
        catch (UserCancelledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (LibGit2SharpException e) when (e is not NonFastForwardException)
        {
            throw new GitException(Explain(operation, e.Message), e);
        }
    }

    /// <summary>Removes credentials (URL user-info, the token itself) from a message and keeps it on one line.</summary>
    public string Clean(string message)
    {
        var text = GitUrls.Scrub(message);
        if (_token is not null)
        {
            text = text.Replace(_token, "***", StringComparison.Ordinal);
        }

        return string.Join("; ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private Credentials Credentials(string url, string usernameFromUrl, SupportedCredentialTypes types)
    {
        Interlocked.Increment(ref _credentialRequests);
        return new UsernamePasswordCredentials { Username = _auth.EffectiveUsername, Password = _token };
    }

    private string Explain(string operation, string libgit2Message)
    {
        var detail = Clean(libgit2Message);
        var lower = libgit2Message.ToLowerInvariant();
        if (Ssh is not null)
        {
            var stderr = Ssh.ReadStderr();
            if (stderr.Contains("Host key verification failed", StringComparison.Ordinal)
                || stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
                || stderr.Contains("No ED25519 host key is known", StringComparison.Ordinal)
                || stderr.Contains("host key is known", StringComparison.Ordinal))
            {
                return $"{operation} {Description}: ssh host key verification failed: the server's host key is not in known_hosts file {_auth.KnownHostsFile} (host keys are never trusted on first use)";
            }

            if (stderr.Contains("Permission denied", StringComparison.Ordinal))
            {
                var key = string.IsNullOrEmpty(_auth.SshKeyFile) ? "no ssh key configured" : $"key {_auth.SshKeyFile}";
                return $"{operation} {Description}: ssh authentication failed: the server rejected {key}";
            }

            var sshLine = LastLine(stderr);
            if (sshLine.Length > 0)
            {
                return $"{operation} {Description}: remote unreachable over ssh: {Clean(sshLine)}";
            }
        }

        if (GitUrls.LocalPath(Url) is { } local && !Directory.Exists(local))
        {
            return $"{operation} {Description}: remote unreachable: no repository at {local}";
        }

        if (lower.Contains("401", StringComparison.Ordinal)
            || lower.Contains("403", StringComparison.Ordinal)
            || lower.Contains("authentication", StringComparison.Ordinal)
            || lower.Contains("credentials", StringComparison.Ordinal)
            || _credentialRequests > 1)
        {
            return _token is null
                ? $"{operation} {Description}: https authentication failed: the server asks for credentials and no token file is configured"
                : $"{operation} {Description}: https authentication failed: the server rejected the token from {_auth.TokenFile} (user {_auth.EffectiveUsername})";
        }

        if (lower.Contains("could not find repository", StringComparison.Ordinal)
            || lower.Contains("failed to resolve path", StringComparison.Ordinal)
            || lower.Contains("failed to connect", StringComparison.Ordinal)
            || lower.Contains("failed to send request", StringComparison.Ordinal)
            || lower.Contains("connection refused", StringComparison.Ordinal)
            || lower.Contains("could not resolve", StringComparison.Ordinal)
            || lower.Contains("404", StringComparison.Ordinal)
            || lower.Contains("timed out", StringComparison.Ordinal)
            || lower.Contains("not found", StringComparison.Ordinal))
        {
            return $"{operation} {Description}: remote unreachable: {detail}";
        }

        return $"{operation} {Description} failed: {detail}";
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
}
