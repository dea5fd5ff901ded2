using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Leadership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ResourceTypes = GitOpsSecrets.Tests.KubeApiServer.ResourceTypes;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>
/// The Lease lock through the real KubernetesClient against the loopback API server, which answers a
/// stale resourceVersion with 409 as the real one does.
/// </summary>
public sealed class KubernetesLeaseLockTests : LoopbackApiServer
{
    [Fact]
    public async Task Lease_MissingThenCreatedThenConflictingUpdate_MapsToNullRecordAndConflict()
    {
        var lease = new KubernetesLeaseLock(Client, "kube-system", "leader");
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, 250, TimeSpan.Zero);

        (await lease.GetAsync(CancellationToken.None)).ShouldBeNull("404 is no lease yet");
        var created = await lease.CreateAsync(new LeaseRecord("a", now, now, 15, 0), CancellationToken.None);
        await Should.ThrowAsync<LeaseConflictException>(() => lease.CreateAsync(new LeaseRecord("b", now, now, 15, 0), CancellationToken.None));
        var renewed = await lease.UpdateAsync(created with { RenewTime = now.AddSeconds(2) }, CancellationToken.None);
        await Should.ThrowAsync<LeaseConflictException>(() => lease.UpdateAsync(created with { HolderIdentity = "b" }, CancellationToken.None));
        var read = await lease.GetAsync(CancellationToken.None);

        read.ShouldNotBeNull();
        read.HolderIdentity.ShouldBe("a");
        read.RenewTime.ShouldBe(now.AddSeconds(2));
        read.AcquireTime.ShouldBe(now);
        read.LeaseDurationSeconds.ShouldBe(15);
        read.ResourceVersion.ShouldBe(renewed.ResourceVersion);
        created.ResourceVersion.ShouldNotBe(renewed.ResourceVersion);
    }

    [Fact]
    public async Task Lease_WholeSecondTime_IsWrittenWithSixFractionalDigits()
    {
        // KubernetesClient writes a zero fraction as "…:00Z", which the API server's MicroTime refuses (400).
        var lease = new KubernetesLeaseLock(Client, "kube-system", "leader");
        var whole = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        var created = await lease.CreateAsync(new LeaseRecord("a", whole, whole, 15, 0), CancellationToken.None);

        created.RenewTime.ShouldBe(whole.AddTicks(10), "a whole second is written one microsecond later");
        Server.Store.Get(ResourceTypes.Leases, "kube-system", "leader")!["spec"]!["renewTime"]!.GetValue<string>().ShouldBe("2026-12-01T12:00:00.000001Z");
    }

    [Fact]
    public async Task TwoElectorsOverTheKubernetesLease_OnlyOneLeads_TheOtherTakesOverAfterExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        using var a = new LeaderElector(new KubernetesLeaseLock(Client, "kube-system", "leader"), LeaderElectionOptions.For("a", TimeSpan.FromSeconds(15)), time, NullLogger<LeaderElector>.Instance);
        using var b = new LeaderElector(new KubernetesLeaseLock(Client, "kube-system", "leader"), LeaderElectionOptions.For("b", TimeSpan.FromSeconds(15)), time, NullLogger<LeaderElector>.Instance);

        await a.TickAsync(CancellationToken.None);
        await b.TickAsync(CancellationToken.None);
        a.IsLeader.ShouldBeTrue();
        b.IsLeader.ShouldBeFalse();

        for (var elapsed = 0; elapsed < 20 && !b.IsLeader; elapsed += 2)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            await b.TickAsync(CancellationToken.None); // a has stopped renewing
        }

        b.IsLeader.ShouldBeTrue();
        var stored = Server.Store.Get(ResourceTypes.Leases, "kube-system", "leader")!;
        stored["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("b");
        stored["spec"]!["leaseTransitions"]!.GetValue<int>().ShouldBe(1);
    }
}
