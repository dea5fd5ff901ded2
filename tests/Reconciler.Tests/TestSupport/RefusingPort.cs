using System.Net;
using System.Net.Sockets;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A loopback port where nothing listens, held for the test's lifetime: a TCP socket bound to port 0 and
/// never put in listening state, so a connection to it is refused at once (a listening socket that never
/// accepts would let the connection in and leave the request hanging instead).
/// <para>
/// Held, not probed: while the socket stays bound, the kernel hands the port to no other socket that
/// asks for port 0 and uses it as no connection's source port (PortTests checks this), and no test binds
/// a port by number any more. A probe socket closed at once gave its port back for anyone to take and
/// answer on. (.NET sets SO_REUSEADDR on every socket it binds, so an explicit bind to this very number
/// could still succeed; that is why nothing binds by number.)
/// </para>
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
