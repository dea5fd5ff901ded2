using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>The loopback helpers that replace probed ports: a held refusing port, and an HTTP server on port 0.</summary>
public sealed class PortTests
{
    [Fact]
    public async Task RefusingPort_Connect_IsRefusedAtOnce()
    {
        using var port = new RefusingPort();
        using var client = new TcpClient();

        var error = await Should.ThrowAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port.Port).WaitAsync(TimeSpan.FromSeconds(30)));

        error.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused, "nothing listens, so the connection is refused rather than left hanging");
    }

    [Fact]
    public void RefusingPort_WhileHeld_IsNeverHandedOutForPortZero()
    {
        var held = Enumerable.Range(0, 20).Select(_ => new RefusingPort()).ToList();
        var ports = held.Select(p => p.Port).ToHashSet();
        var handedOut = new List<int>();
        try
        {
            // If the kernel reused bound-but-idle ports for port 0, some of these ~1/350-per-bind
            // chances would hit one of the 20 held ports (tens of hits expected over 20000 binds).
            for (var i = 0; i < 20_000; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                handedOut.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
            }
        }
        finally
        {
            held.ForEach(p => p.Dispose());
        }

        handedOut.Where(ports.Contains).ShouldBeEmpty("a held RefusingPort must not be given to a test that binds port 0");
    }

    [Fact]
    public async Task LoopbackHttpServer_TwoAtOnce_EachAnswersOnItsOwnKernelPickedPort()
    {
        await using var first = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("first"));
        await using var second = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("second"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        first.Port.ShouldNotBe(0);
        second.Port.ShouldNotBe(first.Port);
        (await http.GetStringAsync(first.BaseAddress)).ShouldBe("first");
        (await http.GetStringAsync(new Uri(second.Url + "/any/path"))).ShouldBe("second");
    }
}
