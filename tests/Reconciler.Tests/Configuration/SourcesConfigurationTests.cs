using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Tests.Configuration;

/// <summary><c>sources:</c> the git source, the cluster source, or both; <c>source:</c> alone keeps meaning git.</summary>
public sealed class SourcesConfigurationTests
{
    private const string Keys = "keys:\n  clusterNamespace: kube-system\n";

    [Fact]
    public void Read_TodaysSourceOnly_IsTheGitSourceAsBefore()
    {
        var configuration = Read("source:\n  url: https://example.test/repo.git\n" + Keys + "targets:\n- name: c\n  kind: kubernetes\n");

        configuration.UsesGit.ShouldBeTrue("source: alone is the git source");
        configuration.Cluster.ShouldBeNull("no cluster source unless asked");
        Should.NotThrow(() => ConfigurationValidator.Validate(configuration));
    }

    [Fact]
    public void Read_ClusterSourceAlone_NeedsNoRepositoryAndNoTargets()
    {
        var configuration = Read("sources:\n  cluster:\n    namespaces: [apps, web]\n    resync: 5m\n    parallelism: 3\n    updateStatus: false\n" + Keys);

        configuration.UsesGit.ShouldBeFalse("no URL and a cluster source: cluster only");
        var cluster = configuration.Cluster.ShouldNotBeNull();
        cluster.Namespaces.ShouldBe(["apps", "web"]);
        cluster.Resync.ShouldBe(TimeSpan.FromMinutes(5));
        cluster.Parallelism.ShouldBe(3);
        cluster.UpdateStatus.ShouldBeFalse();
        Should.NotThrow(() => ConfigurationValidator.Validate(configuration), "the cluster source alone is a whole configuration");
    }

    [Fact]
    public void Read_BothSources_GitUnderSourcesAndCluster_RunTogether()
    {
        var configuration = Read("sources:\n  git:\n    url: https://example.test/repo.git\n    paths: [apps]\n  cluster: {}\n" + Keys + "targets:\n- name: c\n  kind: kubernetes\n");

        configuration.UsesGit.ShouldBeTrue();
        configuration.Source.Url.ShouldBe("https://example.test/repo.git");
        configuration.Source.Paths.ShouldBe(["apps"]);
        configuration.Cluster.ShouldNotBeNull().Namespaces.ShouldBeEmpty("every namespace by default");
        Should.NotThrow(() => ConfigurationValidator.Validate(configuration));
    }

    [Fact]
    public void Read_GitTwice_IsRefusedNamingTheField()
    {
        var message = Should.Throw<ManifestException>(() => Read("source:\n  url: a\nsources:\n  git:\n    url: b\n")).Message;

        message.ShouldContain("sources.git", Case.Sensitive, "names the field");
    }

    [Fact]
    public void Validate_GitTurnedOffWithoutCluster_SaysThereIsNoSource()
    {
        var configuration = Read("sources:\n  git: false\n" + Keys);

        Should.Throw<InputException>(() => ConfigurationValidator.Validate(configuration)).Message.ShouldContain("no source");
    }

    [Fact]
    public void Validate_ClusterSourceWithBadNamespaceOrResync_NamesTheField()
    {
        var configuration = Read("sources:\n  cluster:\n    namespaces: [Not_A_Namespace]\n    resync: 0s\n" + Keys);

        var message = Should.Throw<InputException>(() => ConfigurationValidator.Validate(configuration)).Message;

        message.ShouldContain("sources.cluster.namespaces");
        message.ShouldContain("sources.cluster.resync");
    }

    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));
}
