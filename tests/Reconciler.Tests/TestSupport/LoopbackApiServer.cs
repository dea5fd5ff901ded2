using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>A test class's own loopback API server and a real KubernetesClient pointed at it, per test.</summary>
public abstract class LoopbackApiServer : IAsyncLifetime
{
    protected ApiServer Server { get; private set; } = null!;

    protected k8s.Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ApiServer.StartAsync();
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
