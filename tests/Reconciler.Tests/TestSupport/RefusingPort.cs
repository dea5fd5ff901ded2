using System.Net;
using System.Net.Sockets;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// A loopback port where nothing listens, held for the test's lifetime: a TCP socket bound to port 0
/// and never put in listening state, so a connection to it is refused at once. Because the socket
/// stays bound, no other test can be handed the same port while this one uses it (unlike a probe
/// socket closed right away, whose port the next bind may reuse and then answer).
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
