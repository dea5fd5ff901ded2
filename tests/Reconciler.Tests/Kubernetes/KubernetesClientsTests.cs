using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Tests.TestSupport;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;

namespace GitOpsSecrets.Tests.Kubernetes;

public sealed class KubernetesClientsTests
{
    [Fact]
    public async Task Get_SameClusterTwice_ReturnsTheOneLongLivedClient()
    {
        await using var server = await ApiServer.StartAsync();
        using var temp = new TempDirectory();
        var kubeconfig = server.WriteKubeconfig(temp.File("config"), "one");
        using var clients = new KubernetesClients();

        var first = clients.Get(kubeconfig, "one");
        var second = clients.Get(kubeconfig, "one");

        second.ShouldBeSameAs(first);
        clients.Get(kubeconfig, null).ShouldNotBeSameAs(first, "another context is another client");
    }

    [Fact]
    public void Get_MissingKubeconfigOrContext_IsAnInputErrorNamingIt()
    {
        using var temp = new TempDirectory();
        using var clients = new KubernetesClients();
        var kubeconfig = temp.Write("config", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");

        Should.Throw<InputException>(() => clients.Get(temp.File("absent"), null)).Message.ShouldContain("absent: no such file");
        Should.Throw<InputException>(() => clients.Get(kubeconfig, "nope")).Message.ShouldContain("nope");
    }

    [Fact]
    public void Backoff_DoublesWithJitterAndIsCapped()
    {
        var policy = new KubernetesRetryPolicy { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };

        for (var i = 0; i < 20; i++)
        {
            policy.Backoff(1).ShouldBeInRange(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
            policy.Backoff(3).ShouldBeInRange(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
            policy.Backoff(10).ShouldBeInRange(TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        }
    }
}
