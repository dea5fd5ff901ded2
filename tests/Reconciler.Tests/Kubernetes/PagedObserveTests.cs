using System.Net;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>Paged LISTs against the loopback API server; the same scenario runs on the real one in E2E.</summary>
public sealed class PagedObserveTests : LoopbackApiServer
{
    [Fact]
    public async Task Observe_ListsPagedByLimit_SeesEverySecretOnce()
    {
        await SeedAsync();
        Server.Requests.Clear();

        await PagedObserveScenario.ObserveAndCheckAsync(Client, "first", "second");

        var lists = Server.Requests.All.Where(r => r.Verb == "list" && r.Namespace == "first").ToList();
        PagedObserveScenario.CheckPaged(lists.Select(r => r.Query).ToList());
        lists.Count.ShouldBe(3, "3 + 3 + 1 Secrets of ours");
    }

    [Fact]
    public async Task Observe_ContinueTokenExpired_StartsTheListOver_AndStillSeesEachSecretOnce()
    {
        await SeedAsync();
        Server.Requests.Clear();
        Server.Faults.FailNext(1, (int)HttpStatusCode.Gone, r => r.Verb == "list" && r.QueryValue("continue") is not null);

        await PagedObserveScenario.ObserveAndCheckAsync(Client, "first", "second");

        var lists = Server.Requests.All.Where(r => r.Verb == "list" && r.Namespace == "first").Select(r => r.Query).ToList();
        lists.Count(q => !q.Contains("continue=", StringComparison.Ordinal)).ShouldBe(2, "the list started over once: " + string.Join(" | ", lists));
    }

    [Fact]
    public async Task LoopbackServer_ContinueTokenFromBeforeACompaction_Is410Expired_AsTheRealServerAnswers()
    {
        await SeedAsync();
        var page = await Client.CoreV1.ListNamespacedSecretAsync("first", limit: 2);
        page.Items.Select(s => s.Metadata.Name).ShouldBe(["a1", "a2"]);
        page.Metadata.ContinueProperty.ShouldNotBeNullOrEmpty();
        (await Client.CoreV1.ListNamespacedSecretAsync("first", limit: 2, continueParameter: page.Metadata.ContinueProperty)).Items.Select(s => s.Metadata.Name).ShouldBe(["a3", "a4"]);

        // A write after the list's version, then a compaction through it: that version is gone.
        Server.SeedSecret("second", "later", new Dictionary<string, string> { ["token"] = "later" });
        Server.Store.Compact();

        var error = await Should.ThrowAsync<k8s.Autorest.HttpOperationException>(() => Client.CoreV1.ListNamespacedSecretAsync("first", limit: 2, continueParameter: page.Metadata.ContinueProperty));
        error.Response.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Observe_ContinueAlwaysExpired_FailsAsATargetError_NotALoop()
    {
        await SeedAsync();
        Server.Faults.FailNext(10, (int)HttpStatusCode.Gone, r => r.Verb == "list" && r.QueryValue("continue") is not null);
        var target = new KubernetesTarget("paged", Client, new KubernetesTargetOptions { ListPageSize = PagedObserveScenario.PageSize, RecordEvents = false }, TimeProvider.System, NullLogger<KubernetesTarget>.Instance);

        var error = await Should.ThrowAsync<TargetException>(() => target.ObserveAsync(["first"], [], CancellationToken.None));

        error.Message.ShouldStartWith("target paged: reading Secrets failed: 410");
    }

    private Task SeedAsync()
    {
        Server.CreateNamespace("first");
        Server.CreateNamespace("second");
        return PagedObserveScenario.SeedAsync(Client, "first", "second");
    }
}
