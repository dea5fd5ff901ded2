using GitOpsSecrets.Worker.Leadership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// The election algorithm, stepped by hand on a fake clock: each <c>TickAsync</c> is one retry period's
/// attempt, so no test waits for real time.
/// </summary>
public sealed class LeaderElectorTests : IDisposable
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryLeaseLock _lease = new();
    private readonly LeaderElector _a;
    private readonly LeaderElector _b;

    public LeaderElectorTests()
    {
        _a = Elector("a");
        _b = Elector("b");
    }

    [Fact]
    public async Task TwoElectors_OneLease_OnlyOneLeads()
    {
        for (var round = 0; round < 20; round++)
        {
            await _a.TickAsync(CancellationToken.None);
            await _b.TickAsync(CancellationToken.None);
            (_a.IsLeader ^ _b.IsLeader).ShouldBeTrue($"round {round}: exactly one leader (a={_a.IsLeader}, b={_b.IsLeader})");
            _time.Advance(Retry);
        }

        _a.IsLeader.ShouldBeTrue("the first to try keeps the lease while it renews");
        _lease.Record!.HolderIdentity.ShouldBe("a");
    }

    [Fact]
    public async Task LeaderStopsRenewing_OtherTakesOverWithinTheLeaseDuration()
    {
        await _a.TickAsync(CancellationToken.None);
        await _b.TickAsync(CancellationToken.None);
        _a.IsLeader.ShouldBeTrue();
        var lastRenewal = _time.GetUtcNow();

        // a crashes: it never renews again. b keeps trying every retry period.
        while (!_b.IsLeader)
        {
            _time.Advance(Retry);
            await _b.TickAsync(CancellationToken.None);
            if (!_b.IsLeader)
            {
                (_time.GetUtcNow() - lastRenewal).ShouldBeLessThan(LeaseDuration, "b must not take a lease that has not expired");
            }
        }

        (_time.GetUtcNow() - lastRenewal).ShouldBeLessThanOrEqualTo(LeaseDuration + Retry, "b takes over within the lease duration (plus one retry period)");
        _lease.Record!.HolderIdentity.ShouldBe("b");
        _lease.Record.LeaseTransitions.ShouldBe(1);
    }

    [Fact]
    public async Task LeaderReleases_OtherTakesOverAtItsNextTry()
    {
        await _a.TickAsync(CancellationToken.None);
        await _b.TickAsync(CancellationToken.None);
        var token = _a.Token;

        await _a.ReleaseAsync(CancellationToken.None);
        _time.Advance(Retry);
        await _b.TickAsync(CancellationToken.None);

        token.IsCancellationRequested.ShouldBeTrue();
        _a.IsLeader.ShouldBeFalse();
        _b.IsLeader.ShouldBeTrue("a released lease is free at once");
    }

    [Fact]
    public async Task RenewalFails_PastTheRenewDeadline_LeadershipLostAndJobTokenCancelled()
    {
        var changes = new List<bool>();
        _a.Changed += changes.Add;
        await _a.TickAsync(CancellationToken.None);
        _a.IsLeader.ShouldBeTrue();
        using var job = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None, _a.Token);

        _lease.Unreachable = true;
        var deadline = _a.Options.RenewDeadline;
        var failedFor = TimeSpan.Zero;
        while (failedFor + Retry < deadline)
        {
            _time.Advance(Retry);
            failedFor += Retry;
            await _a.TickAsync(CancellationToken.None);
            _a.IsLeader.ShouldBeTrue($"renewals failing for {failedFor.TotalSeconds}s, less than the renew deadline");
            job.IsCancellationRequested.ShouldBeFalse();
        }

        _time.Advance(Retry);
        await _a.TickAsync(CancellationToken.None);

        _a.IsLeader.ShouldBeFalse("renewals failed for the whole renew deadline");
        job.IsCancellationRequested.ShouldBeTrue("the running job's token is cancelled when leadership is lost");
        changes.ShouldBe([true, false]);
        deadline.ShouldBeLessThan(LeaseDuration, "leadership is given up before anyone else may take the lease");
    }

    [Fact]
    public async Task LeaseTakenByAnother_LeaderStepsDownAtOnce()
    {
        await _a.TickAsync(CancellationToken.None);
        var current = _lease.Record!;
        await _lease.UpdateAsync(current with { HolderIdentity = "intruder" }, CancellationToken.None);

        _time.Advance(Retry);
        await _a.TickAsync(CancellationToken.None);

        _a.IsLeader.ShouldBeFalse();
    }

    [Fact]
    public void NotLeading_TokenIsAlreadyCancelled()
    {
        _a.IsLeader.ShouldBeFalse();
        _a.Token.IsCancellationRequested.ShouldBeTrue();
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private LeaderElector Elector(string identity) =>
        new(_lease, LeaderElectionOptions.For(identity, LeaseDuration), _time, NullLogger<LeaderElector>.Instance);
}
