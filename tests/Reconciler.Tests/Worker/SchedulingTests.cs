using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Worker;

public sealed class SchedulingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SyncSchedule_NoJitter_NextRunIsOneIntervalAfterCompletion()
    {
        var schedule = new SyncSchedule(TimeSpan.FromMinutes(1), jitter: 0, random: () => 0.9);

        schedule.NextAfter(Start).ShouldBe(Start + TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData(0.0, 60)]
    [InlineData(0.5, 63)]
    [InlineData(0.999999, 65.99994)]
    public void SyncSchedule_Jitter_AddsUpToTheFractionOfTheInterval(double random, double expectedSeconds)
    {
        var schedule = new SyncSchedule(TimeSpan.FromMinutes(1), jitter: 0.1, random: () => random);

        (schedule.NextAfter(Start) - Start).TotalSeconds.ShouldBe(expectedSeconds, 0.001);
    }

    [Fact]
    public void SyncSchedule_OverrunningRun_NextRunCountsFromItsEndNotItsStart()
    {
        var schedule = new SyncSchedule(TimeSpan.FromMinutes(1), jitter: 0, random: () => 0);
        var finishedLate = Start + TimeSpan.FromMinutes(5); // a run that took five intervals

        schedule.NextAfter(finishedLate).ShouldBe(finishedLate + TimeSpan.FromMinutes(1), "one run follows an overrun, not a burst of the four missed ones");
    }

    [Fact]
    public void KeyRenewalPolicy_NoKey_RenewsAtOnceEvenWhenDisabled()
    {
        KeyRenewalPolicy.Decide(null, TimeSpan.Zero, null, Start).RenewNow.ShouldBeTrue();
    }

    [Fact]
    public void KeyRenewalPolicy_YoungKey_NextRenewalIsPeriodMinusItsAge()
    {
        var made = Start - TimeSpan.FromHours(700);

        var decision = KeyRenewalPolicy.Decide(made, TimeSpan.FromHours(720), null, Start);

        decision.RenewNow.ShouldBeFalse();
        decision.NextCheck.ShouldBe(Start + TimeSpan.FromHours(20));
    }

    [Fact]
    public void KeyRenewalPolicy_OverdueKey_RenewsAtOnce()
    {
        KeyRenewalPolicy.Decide(Start - TimeSpan.FromHours(721), TimeSpan.FromHours(720), null, Start).RenewNow.ShouldBeTrue();
    }

    [Fact]
    public void KeyRenewalPolicy_PeriodZero_NeverRenewsAnExistingKey()
    {
        var decision = KeyRenewalPolicy.Decide(Start - TimeSpan.FromDays(4000), TimeSpan.Zero, null, Start);

        decision.RenewNow.ShouldBeFalse();
        decision.NextCheck.ShouldBeNull();
    }

    [Fact]
    public void KeyRenewalPolicy_KeyOlderThanCutoff_RenewsAtOnce()
    {
        var decision = KeyRenewalPolicy.Decide(Start - TimeSpan.FromHours(2), TimeSpan.FromHours(720), Start - TimeSpan.FromHours(1), Start);

        decision.RenewNow.ShouldBeTrue();
        decision.Reason.ShouldContain("cutoff");
    }

    [Fact]
    public void KeyRenewalPolicy_CutoffInTheFuture_IsIgnored()
    {
        KeyRenewalPolicy.Decide(Start - TimeSpan.FromHours(2), TimeSpan.FromHours(720), Start + TimeSpan.FromHours(1), Start).RenewNow.ShouldBeFalse();
    }

    [Fact]
    public async Task KeyRenewer_AcrossARestart_KeepsTheClockOfTheNewestKey()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var period = TimeSpan.FromHours(720);

        // First process: no key yet, so one is made now and the next is due a period later.
        var first = await Renewer(directory, time, period).RenewIfDueAsync(CancellationToken.None);
        first.RenewNow.ShouldBeTrue();
        first.NextCheck.ShouldBe(Start + period);
        KeyCount(directory).ShouldBe(1);

        // 700 hours later the process restarts: the clock is the key's age, not the uptime.
        time.Advance(TimeSpan.FromHours(700));
        var afterRestart = await Renewer(directory, time, period).RenewIfDueAsync(CancellationToken.None);
        afterRestart.RenewNow.ShouldBeFalse("a restart must not make a key early");
        afterRestart.NextCheck.ShouldBe(Start + period, "the first renewal after a restart is at period minus the newest key's age");
        KeyCount(directory).ShouldBe(1);

        // When it is due, one key is added and the old one stays.
        time.Advance(TimeSpan.FromHours(20));
        var due = await Renewer(directory, time, period).RenewIfDueAsync(CancellationToken.None);
        due.RenewNow.ShouldBeTrue();
        due.NextCheck.ShouldBe(Start + period + period);
        KeyCount(directory).ShouldBe(2, "renewal adds a key and never deletes one");
    }

    [Fact]
    public async Task KeyRenewer_NewestKeyOlderThanCutoff_AddsAKeyAtStart()
    {
        using var directory = new TempDirectory();
        directory.Write("new.yaml", TestKeys.SecretManifest(TestKeys.New()));
        var time = new FakeTimeProvider(Start);
        var renewer = new KeyRenewer(new DirectoryKeyStore(directory.Path), new KeyGenerator(time), time,
            new RenewalSettings(TimeSpan.FromHours(720), TestKeys.NewNotBefore + TimeSpan.FromDays(1), KeySize: 2048), NullLogger<KeyRenewer>.Instance);

        var decision = await renewer.RenewIfDueAsync(CancellationToken.None);

        decision.RenewNow.ShouldBeTrue();
        KeyCount(directory).ShouldBe(2);
    }

    private static KeyRenewer Renewer(TempDirectory directory, FakeTimeProvider time, TimeSpan period) =>
        new(new DirectoryKeyStore(directory.Path), new KeyGenerator(time), time, new RenewalSettings(period, null, KeySize: 2048), NullLogger<KeyRenewer>.Instance);

    private static int KeyCount(TempDirectory directory)
    {
        var loaded = new DirectoryKeyStore(directory.Path).Load();
        using var ring = new KeyRing(loaded.Keys);
        return ring.Count;
    }
}
