using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Git;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 for the current user: its own host key, authorized_keys and
/// sshd_config in a temporary directory. It also makes the client side: an authorized key, a key the
/// server does not know, and known_hosts files with and without the server's host key. One server per
/// test class (a class fixture): it does not start at all when sshd is not installed, and the tests then skip.
/// <para>
/// The port: sshd must be told a port number before it binds, and a number picked by opening and
/// closing a probe socket may be taken by a parallel test before sshd binds it. So sshd does not bind
/// at all: the fixture holds a <see cref="TcpListener"/> on port 0 (the kernel picks, we read it back)
/// and hands each accepted connection to <c>sshd -i</c>, OpenSSH's inetd mode (as OpenSSH's own
/// regression tests run it), which speaks the protocol over its stdin and stdout.
/// </para>
/// </summary>
public sealed class SshServer : IAsyncLifetime
{
    public const string SshdPath = "/usr/sbin/sshd";

    private readonly TempDirectory _directory = new();
    private readonly ConcurrentDictionary<Process, Task> _sessions = new();
    private TcpListener? _listener;
    private Task? _accepting;

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
        _listener?.Stop();
        if (_accepting is not null)
        {
            await _accepting;
        }

        foreach (var (sshd, session) in _sessions)
        {
            if (!sshd.HasExited)
            {
                sshd.Kill(entireProcessTree: true);
            }

            await session;
            sshd.Dispose();
        }

        _listener?.Dispose();
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

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(_directory.File("host_key.pub")).Trim()}\n");
        File.WriteAllText(WrongKnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(_directory.File("other_host_key.pub")).Trim()}\n");
        _directory.Write("sshd_config", string.Join('\n',
            $"HostKey {_directory.File("host_key")}",
            $"AuthorizedKeysFile {_directory.File("authorized_keys")}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            $"AllowUsers {User}",
            "LogLevel INFO",
            string.Empty));

        // sshd's test mode checks the configuration and keys now, so a broken setup fails the fixture
        // with sshd's own words instead of every connection failing later.
        var check = await RunSshdAsync("-t");
        if (check.ExitCode != 0)
        {
            _listener.Stop();
            throw new InvalidOperationException($"sshd -t rejected the test configuration: {check.Errors}");
        }

        _accepting = AcceptAsync(_listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // the listener was stopped
            }

            var sshd = Process.Start(SshdStart("-i"))!;
            _sessions[sshd] = ServeAsync(client, sshd);
        }
    }

    /// <summary>Pipes one connection through one <c>sshd -i</c>, until either side closes (the process is disposed with the fixture).</summary>
    private async Task ServeAsync(TcpClient client, Process sshd)
    {
        using (client)
        {
            var network = client.GetStream();
            var errors = DrainAsync(sshd.StandardError);
            var fromClient = PumpAsync(network, sshd.StandardInput.BaseStream, sshd.StandardInput.Close);
            var fromSshd = PumpAsync(sshd.StandardOutput.BaseStream, network, () => client.Client.Shutdown(SocketShutdown.Send));
            await Task.WhenAll(fromSshd, errors, sshd.WaitForExitAsync());
            client.Close();
            await fromClient;
        }
    }

    /// <summary>Copies until the source ends or either side breaks, then closes the destination's writing side.</summary>
    private static async Task PumpAsync(Stream source, Stream destination, Action closeDestination)
    {
        try
        {
            await source.CopyToAsync(destination);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The other side went away first (sshd exited, or the client hung up): nothing left to copy.
        }

        try
        {
            closeDestination();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Already closed.
        }
    }

    /// <summary>Reads sshd's log (stderr) so a full pipe never blocks it; the tests check what the client sees.</summary>
    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }

    private async Task<(int ExitCode, string Errors)> RunSshdAsync(string mode)
    {
        var start = SshdStart(mode);
        start.RedirectStandardInput = false;
        using var sshd = Process.Start(start)!;
        var errors = sshd.StandardError.ReadToEndAsync();
        var output = sshd.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await sshd.WaitForExitAsync(timeout.Token);
        return (sshd.ExitCode, (await errors + await output).Trim());
    }

    /// <summary>sshd in <paramref name="mode"/> with our configuration, logging to stderr (-e).</summary>
    private ProcessStartInfo SshdStart(string mode)
    {
        var start = new ProcessStartInfo(SshdPath)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var arg in new[] { mode, "-e", "-f", _directory.File("sshd_config") })
        {
            start.ArgumentList.Add(arg);
        }

        return start;
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
            Skip = $"needs OpenSSH's server at {SshServer.SshdPath}, which is not installed: to run the git-over-ssh tests, install it (apt-get install openssh-server; .ci/run does)";
        }
    }
}
