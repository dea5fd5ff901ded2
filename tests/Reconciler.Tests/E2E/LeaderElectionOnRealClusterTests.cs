using System.Text.Json.Nodes;
using k8s.Models;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Two <c>run</c> replicas as separate OS processes competing for one coordination.k8s.io/v1 Lease on a
/// real API server: only the leader syncs; when the leader is killed with SIGKILL (no clean stop, so the
/// Lease is not released) the other takes the Lease once it expires and applies the next commit.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class LeaderElectionOnRealClusterTests(ITestOutputHelper output)
{
    private const string Planted = "planted-lease-value-93fd";
    private const string LeaseName = "gitops-secrets-leader";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);

    [RealClusterFact]
    public async Task Run_TwoReplicasLeaderKilled_TheOtherTakesTheLeaseAfterItExpiresAndAppliesTheNextCommit()
    {
        await using var world = RealClusterWorker.Start();
        var system = await world.NamespaceAsync("system");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(system);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-1" });
        var a = Replica(world, "replica-a", system);
        var b = Replica(world, "replica-b", system);

        // One of them leads and applies the first commit.
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-1", RealClusterWorker.Patience, () => $"the first commit applied\n{a.Process}\n{b.Process}");
        var before = (await world.ReadLeaseAsync(system, LeaseName)).ShouldNotBeNull("the leader holds a Lease in the worker's namespace");
        var (leader, follower) = before.Spec.HolderIdentity.StartsWith(a.Process.Identity + "_", StringComparison.Ordinal) ? (a, b) : (b, a);
        before.Spec.HolderIdentity.ShouldStartWith(leader.Process.Identity + "_");
        before.Spec.LeaseDurationSeconds.ShouldBe((int)LeaseDuration.TotalSeconds);

        // Both serve their status; only the leader has synced.
        foreach (var replica in new[] { a, b })
        {
            await Poll.UntilAsync(replica.ServingAsync, RealClusterWorker.Patience, () => $"{replica.Process.Identity} serves /healthz\n{replica.Process}");
        }

        var leaderStatus = await leader.StatusAsync();
        var followerStatus = await follower.StatusAsync();
        leaderStatus["leader"]!.GetValue<bool>().ShouldBeTrue(leaderStatus.ToJsonString());
        leaderStatus["lastSync"]?["revision"]?.GetValue<string>().ShouldNotBeNull(leaderStatus.ToJsonString());
        followerStatus["leader"]!.GetValue<bool>().ShouldBeFalse(followerStatus.ToJsonString());
        followerStatus["lastSync"].ShouldBeNull("a replica that does not hold the Lease never syncs: " + followerStatus.ToJsonString());

        // The leader keeps renewing.
        await Poll.UntilAsync(async () => (await world.ReadLeaseAsync(system, LeaseName))!.Spec.RenewTime > before.Spec.RenewTime, RealClusterWorker.Patience, () => "the leader renews the Lease");

        leader.Process.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        var orphaned = (await world.ReadLeaseAsync(system, LeaseName)).ShouldNotBeNull();
        orphaned.Spec.HolderIdentity.ShouldStartWith(leader.Process.Identity + "_", Case.Sensitive, "SIGKILL leaves the Lease held: nothing released it");
        var next = world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-2" });

        V1Lease? taken = null;
        await Poll.UntilAsync(
            async () => (taken = await world.ReadLeaseAsync(system, LeaseName))?.Spec.HolderIdentity?.StartsWith(follower.Process.Identity + "_", StringComparison.Ordinal) == true,
            RealClusterWorker.Patience,
            () => $"the follower takes the Lease; last seen {taken?.Spec.HolderIdentity}\n{follower.Process}");
        var takeover = DateTimeOffset.UtcNow - killedAt;
        var waited = taken!.Spec.AcquireTime!.Value - orphaned.Spec.RenewTime!.Value;
        output.WriteLine($"lease duration {LeaseDuration.TotalSeconds}s: takeover {takeover.TotalSeconds:0.00}s after SIGKILL; new acquireTime - last renewTime = {waited.TotalSeconds:0.00}s");

        // client-go's rule: a candidate takes an unreleased lease only after a full lease duration without a
        // renewal, measured from when it saw the last one; it looks once per retry period (duration × 2/15).
        var retry = LeaseDuration * 2 / 15;
        waited.ShouldBeGreaterThanOrEqualTo(LeaseDuration - TimeSpan.FromMilliseconds(250), "the follower waited for the Lease to expire");
        // Slack for two shared cores: the takeover itself is a GET and a PUT after the follower's next tick.
        var bound = LeaseDuration + 2 * retry + TimeSpan.FromSeconds(3);
        waited.ShouldBeLessThan(bound, "the follower took the expired Lease at its next tries, not later");
        takeover.ShouldBeLessThan(bound, "the follower takes over once the lease duration has passed (plus its polling)");
        taken.Spec.LeaseTransitions.ShouldBe(before.Spec.LeaseTransitions + 1);

        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-2", RealClusterWorker.Patience, () => $"the new leader applies the next commit\n{follower.Process}");
        await Poll.UntilAsync(
            async () => (await follower.StatusAsync())["lastSync"]?["revision"]?.GetValue<string>()?.Contains(next, StringComparison.Ordinal) == true,
            RealClusterWorker.Patience,
            () => "the new leader's status shows the commit it applied");
        var status = await follower.StatusAsync();
        status["leader"]!.GetValue<bool>().ShouldBeTrue(status.ToJsonString());

        // One Event per apply that changed the Secret: the first leader's and the second's, nothing from a replica that did not lead.
        var events = (await world.EventsAboutAsync(apps, "db")).Where(e => e.Source?.Component == "gitops-secrets").ToList();
        events.Select(e => e.Reason).ShouldBe(["Unsealed", "Unsealed"], string.Join("\n", events.Select(e => $"{e.Reason}: {e.Message}")));
        events.ShouldAllBe(e => !e.Message.Contains(Planted), "Events never carry values");
        (a.Process.Output + b.Process.Output).ShouldNotContain(Planted, Case.Sensitive, "values never appear in the workers' logs");
    }

    [RealClusterFact]
    public async Task Run_LeaderStoppedCleanly_ReleasesTheLeaseAndTheOtherTakesOverWithoutWaitingForExpiry()
    {
        // A long lease: a takeover well inside it can only come from the release.
        var leaseDuration = TimeSpan.FromSeconds(30);
        await using var world = RealClusterWorker.Start();
        var system = await world.NamespaceAsync("system");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(system);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-1" });
        var a = Replica(world, "replica-a", system, leaseDuration);
        var b = Replica(world, "replica-b", system, leaseDuration);
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-1", RealClusterWorker.Patience, () => $"the first commit applied\n{a.Process}\n{b.Process}");
        var before = (await world.ReadLeaseAsync(system, LeaseName)).ShouldNotBeNull();
        var (leader, follower) = before.Spec.HolderIdentity.StartsWith(a.Process.Identity + "_", StringComparison.Ordinal) ? (a, b) : (b, a);

        var stoppedAt = DateTimeOffset.UtcNow;
        (await leader.Process.TerminateAsync(RealClusterWorker.Patience)).ShouldBe(0, $"SIGTERM is a clean stop\n{leader.Process}");
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-2" });
        await Poll.UntilAsync(
            async () => (await world.ReadLeaseAsync(system, LeaseName))?.Spec.HolderIdentity?.StartsWith(follower.Process.Identity + "_", StringComparison.Ordinal) == true,
            RealClusterWorker.Patience,
            () => $"the follower takes the released Lease\n{follower.Process}");
        var takeover = DateTimeOffset.UtcNow - stoppedAt;
        output.WriteLine($"lease duration {leaseDuration.TotalSeconds}s: takeover {takeover.TotalSeconds:0.00}s after SIGTERM (released)");

        leader.Process.Output.ShouldContain("Released lease", Case.Sensitive, "the stopping leader gives the Lease up");
        takeover.ShouldBeLessThan(leaseDuration / 2, "a released Lease is taken at the follower's next try, not after the lease duration");
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-2", RealClusterWorker.Patience, () => $"the new leader applies the next commit\n{follower.Process}");
        (a.Process.Output + b.Process.Output).ShouldNotContain(Planted);
    }

    private static LeaderReplica Replica(RealClusterWorker world, string identity, string system, TimeSpan? leaseDuration = null)
    {
        var config = world.WriteConfig(identity, $"""
            source:
              url: {world.Remote.BarePath}
              paths: [apps]
              interval: 1s
              cacheDir: {world.Scratch(identity + "-cache")}
            keys:
              clusterNamespace: {system}
              kubeconfig: {world.Kubeconfig}
              renewPeriod: 0s
            targets:
              - name: cluster
                kind: kubernetes
                kubeconfig: {world.Kubeconfig}
            worker:
              listen: http://127.0.0.1:0
              leaderElect: true
              leaseName: {LeaseName}
              leaseNamespace: {system}
              leaseDuration: {(leaseDuration ?? LeaseDuration).TotalSeconds}s
              jitter: 0
            """);
        return new LeaderReplica(world.StartProcess(identity, "run", "--config", config));
    }

    private sealed record LeaderReplica(WorkerProcess Process)
    {
        private Task<Uri> Url => Process.UrlAsync(RealClusterWorker.Patience);

        public async Task<bool> ServingAsync()
        {
            using var http = new HttpClient();
            try
            {
                return (await http.GetAsync(new Uri(await Url, "/healthz"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        public async Task<JsonObject> StatusAsync()
        {
            using var http = new HttpClient();
            return JsonNode.Parse(await http.GetStringAsync(new Uri(await Url, "/status")))!.AsObject();
        }
    }
}
