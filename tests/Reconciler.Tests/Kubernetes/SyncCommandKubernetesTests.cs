using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using ApiServer = GitOpsSecrets.Tests.KubeApiServer.KubeApiServer;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>
/// The one-shot command line into a cluster: <c>sync --target kubernetes:CONTEXT --kubeconfig FILE
/// --keys cluster:NAMESPACE</c>, wired by the real service registrations (only the git source is a folder).
/// </summary>
public sealed class SyncCommandKubernetesTests
{
    [Fact]
    public async Task Sync_TargetKubernetesWithClusterKeys_AppliesTheVectorsAndThenChangesNothing()
    {
        await using var server = await ApiServer.StartAsync();
        server.Store.Create(ResourceTypes.Secrets, "kube-system", System.Text.Json.Nodes.JsonNode.Parse(Vectors.Text("sealing-key.secret.json"))!.AsObject(), "controller");
        using var temp = new TempDirectory();
        var repo = temp.Write("repo/sealedsecret-strict.json", Vectors.Text("sealedsecret-strict.json"));
        var kubeconfig = server.WriteKubeconfig(temp.File("kubeconfig"), "loopback");
        var cli = new CliRunner { ConfigureServices = services => services.AddSingleton<ISecretSourceFactory>(new FolderSourceFactory(Path.GetDirectoryName(repo)!)) };
        string[] args = ["sync", "--repo", "folder", "--target", "kubernetes:loopback", "--kubeconfig", kubeconfig, "--keys", "cluster:kube-system", "--create-namespaces"];

        var first = await cli.RunAsync(args);
        server.Requests.Clear();
        var second = await cli.RunAsync(args);

        first.ExitCode.ShouldBe(0, first.ToString());
        server.SecretText("myns", "mysecret")!["foo"].ShouldBe("bar");
        second.ExitCode.ShouldBe(0, second.ToString());
        server.Requests.Writes.ShouldBeEmpty("the second run finds everything current");
        first.All.ShouldNotContain("hunter2");
        second.All.ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Sync_ConfigWithTwoClusters_AppliesToEachAndNamesTheFailingOne()
    {
        await using var east = await ApiServer.StartAsync();
        await using var west = await ApiServer.StartAsync();
        east.CreateNamespace("myns");
        using var temp = new TempDirectory();
        var repo = temp.Write("repo/sealedsecret-strict.json", Vectors.Text("sealedsecret-strict.json"));
        var config = temp.Write("worker.yaml", $"""
            source:
              url: folder
            keys:
              directory: {Vectors.Path("sealing-key.secret.json")}
            targets:
            - name: east
              kind: kubernetes
              kubeconfig: {east.WriteKubeconfig(temp.File("east"), "east")}
            - name: west
              kind: kubernetes
              kubeconfig: {west.WriteKubeconfig(temp.File("west"), "west")}
              context: west
            """);
        var cli = new CliRunner { ConfigureServices = services => services.AddSingleton<ISecretSourceFactory>(new FolderSourceFactory(Path.GetDirectoryName(repo)!)) };

        var result = await cli.RunAsync("sync", "--config", config);

        east.SecretText("myns", "mysecret")!["foo"].ShouldBe("bar");
        west.SecretText("myns", "mysecret").ShouldBeNull();
        result.ExitCode.ShouldNotBe(0, "west has no namespace myns");
        result.All.ShouldContain("namespace myns does not exist");
        result.All.ShouldNotContain("hunter2");
    }

    private sealed class FolderSourceFactory(string root) : ISecretSourceFactory
    {
        public ISecretSource Create(SourceConfiguration configuration) => new FolderSource(root);
    }
}
