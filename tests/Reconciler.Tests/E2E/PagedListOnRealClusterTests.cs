using GitOpsSecrets.Tests.Kubernetes;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// The paged observation on a real server (issue 16, point 5): the same scenario as
/// <see cref="PagedObserveTests"/> on the loopback server, so both servers are held to one outcome; the
/// audit log shows the LISTs were paged by the server (limit=3, continue tokens it issued).
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class PagedListOnRealClusterTests
{
    [RealClusterFact]
    public async Task Observe_ListsPagedByLimit_SeesEverySecretOnce_AsOnTheLoopbackServer()
    {
        await using var scenario = await RealClusterScenario.StartAsync();
        var second = await scenario.CreateNamespaceAsync();
        await PagedObserveScenario.SeedAsync(scenario.Client, scenario.Namespace, second);

        var audit = await AuditLog.BeginAsync(scenario.Client, scenario.Namespace);
        await PagedObserveScenario.ObserveAndCheckAsync(scenario.Client, scenario.Namespace, second);
        var requests = await audit.EndAsync();

        var lists = requests.Where(r => r.Verb == "list" && r.Resource == "secrets" && r.Namespace == scenario.Namespace).Select(r => Uri.UnescapeDataString(r.RequestUri)).ToList();
        PagedObserveScenario.CheckPaged(lists);
    }
}
