using System.Diagnostics;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 for the current user: its own host key, authorized_keys and
/// sshd_config in a temporary directory, on a free port, in the foreground (-D) logging to stderr (-e).
/// It also makes the client side: an authorized key, a key the server does not know, and known_hosts
/// files with and without the server's host key. One server per test class (a class fixture): it does
/// not start at all when sshd is not installed, and the tests then skip.
/// </summary>
public sealed class SshServer : IAsyncLifetime
{
    public const string SshdPath = "/usr/sbin/sshd";

    private readonly TempDirectory _directory = new();
    private Process? _sshd;

    public int Port { get; private set; }

    public string User { get; } = Environment.UserName;

    public string AuthorizedKey => _directory.File("client_key");

    public string UnknownKey => _directory.File("stranger_key");

    public string KnownHosts => _directory.File("known_hosts");

    public string WrongKnownHosts => _directory.File("known_hosts_other");

    public static bool IsInstalled => File.Exists(SshdPath);

    public string UrlFor(string repositoryPath) => $"ssh://{User}@127.0.0.1:{Port}{repositoryPath}";

    public Task InitializeAsync() => IsInstalled ? StartCoreAsync() : Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill(entireProcessTree: true);
            await _sshd.WaitForExitAsync();
        }

        _sshd?.Dispose();
        _directory.Dispose();
    }

    private async Task StartCoreAsync()
    {
        KeyGen("host_key");
        KeyGen("other_host_key");
        KeyGen("client_key");
        KeyGen("stranger_key");
        File.Copy(_directory.File("client_key.pub"), _directory.File("authorized_keys"));

        // sshd refuses to start without its privilege separation directory (root only; else sshd says why).
        try
        {
            Directory.CreateDirectory("/run/sshd");
        }
        catch (UnauthorizedAccessException)
        {
            // Not root: sshd reports what it misses on startup, and the fixture shows that.
        }

        Port = FreePort.Next();
        File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(_directory.File("host_key.pub")).Trim()}\n");
        File.WriteAllText(WrongKnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(_directory.File("other_host_key.pub")).Trim()}\n");
        var config = _directory.Write("sshd_config", string.Join('\n',
            $"Port {Port}",
            "ListenAddress 127.0.0.1",
            $"HostKey {_directory.File("host_key")}",
            $"AuthorizedKeysFile {_directory.File("authorized_keys")}",
            $"PidFile {_directory.File("sshd.pid")}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            $"AllowUsers {User}",
            "LogLevel INFO",
            string.Empty));

        var start = new ProcessStartInfo(SshdPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { "-D", "-e", "-f", config })
        {
            start.ArgumentList.Add(arg);
        }

        _sshd = Process.Start(start)!;
        _ = _sshd.StandardOutput.ReadToEndAsync();

        // Wait for sshd's own "Server listening" line rather than for a guessed time.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<string>();
        while (await _sshd.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (line.Contains("Server listening on", StringComparison.Ordinal))
            {
                _ = DrainAsync(_sshd.StandardError);
                return;
            }
        }

        throw new InvalidOperationException($"sshd did not start: {string.Join(" | ", seen)}");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }

    private void KeyGen(string name)
    {
        var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-q", "-t", "ed25519", "-N", string.Empty, "-C", name, "-f", _directory.File(name) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen {name} failed: {process.StandardError.ReadToEnd()}");
        }
    }
}

/// <summary>A fact that needs sshd: skipped, with the reason shown, only when openssh-server is not installed.</summary>
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (!SshServer.IsInstalled)
        {
            Skip = $"{SshServer.SshdPath} is not installed (apt-get install openssh-server; .ci/run installs it)";
        }
    }
}
