using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>One owner of the current keys: one load of the store serves the engine, the endpoints and the subscribers.</summary>
public sealed class CurrentKeysTests
{
    [Fact]
    public async Task AfterARenewal_EngineAndCertificateSeeTheNewKey_WithoutASecondLoad_AndSubscribersHearOnce()
    {
        using var repo = new TempDirectory();
        using var keyDirectory = new TempDirectory();
        File.Copy(Vectors.Path("sealing-key.secret.json"), keyDirectory.File("vector-key.json"));
        repo.Write("a.json", WorkerFixture.Json(WorkerFixture.Seal("apps", "first")));
        var store = new CountingStore(new DirectoryKeyStore(keyDirectory.Path));
        using var keys = new CurrentKeys(store);
        var notified = new List<KeyRing>();
        keys.Changed += notified.Add;
        var cipher = new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters());
        var source = new FolderSource(repo.Path);
        var target = new InMemoryTarget();
        var engine = new SyncEngine(source, keys, [new SyncTarget(target, [], true)], new Unsealer(cipher), new CryptoCounters(), TimeProvider.System, NullLogger<SyncEngine>.Instance);

        (await engine.SyncAsync(dryRun: false, progress: null, CancellationToken.None)).Errors.ShouldBeEmpty();
        store.Loads.ShouldBe(1, "the first sync reads the store through the current keys");
        notified.Count.ShouldBe(1);

        // The renewal job: the renewer adds a key, then the current keys are read again, once.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var renewer = new KeyRenewer(store, new KeyGenerator(time), time, new RenewalSettings(TimeSpan.FromHours(720), new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), KeySize: 2048), NullLogger<KeyRenewer>.Instance);
        (await renewer.RenewIfDueAsync(CancellationToken.None)).RenewNow.ShouldBeTrue();
        await keys.LoadAsync(CancellationToken.None);
        var loadsAfterRenewal = store.Loads;
        notified.Count.ShouldBe(2, "one notification for the one renewal");
        var added = keys.Ring.Newest!;
        added.Fingerprint.ShouldBe(notified[1].Newest!.Fingerprint, "subscribers are handed the ring with the new key");
        keys.Ring.Count.ShouldBe(2);

        repo.Write("b.json", WorkerFixture.Json(WorkerFixture.Seal("apps", "second", added)));
        source.Commit = "c2";
        var report = await engine.SyncAsync(dryRun: false, progress: null, CancellationToken.None);

        report.Errors.ShouldBeEmpty();
        target.Secrets.Keys.Select(id => id.Name).Order(StringComparer.Ordinal).ToArray().ShouldBe(new[] { "first", "second" }, customMessage: "the engine opened a document sealed to the renewed key");
        store.Loads.ShouldBe(loadsAfterRenewal, "the sync after the renewal takes the ring of the renewal's load");
        notified.Count.ShouldBe(2, "no second notification for the same keys");

        // The next sync, with nothing read in between, reads the store itself again.
        await engine.SyncAsync(dryRun: false, progress: null, CancellationToken.None);
        store.Loads.ShouldBe(loadsAfterRenewal + 1);
        notified.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Worker_CertificateEndpoint_ServesTheRingOfTheCurrentKeys()
    {
        await using var worker = await WorkerFixture.StartAsync();
        var keys = worker.App.Services.GetRequiredService<CurrentKeys>();
        var before = await worker.Http.GetStringAsync("/v1/cert.pem");
        using var added = new KeyGenerator(TimeProvider.System).Generate("added", 2048);
        await new DirectoryKeyStore(worker.Keys.Path).AddAsync(added, CancellationToken.None);

        await keys.LoadAsync(CancellationToken.None);

        keys.Ring.Newest!.Fingerprint.ShouldBe(added.Fingerprint);
        var pem = await worker.Http.GetStringAsync("/v1/cert.pem");
        pem.Trim().ShouldBe(KeySecrets.CertificatePem(added).Trim(), "/v1/cert.pem reads the one current ring");
        pem.ShouldNotBe(before);
    }

    private sealed class CountingStore(IKeyStore inner) : IKeyStore
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public string Description => inner.Description;

        public Task<KeyLoadResult> LoadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            return inner.LoadAsync(cancellationToken);
        }

        public Task<string> AddAsync(SealingKey key, CancellationToken cancellationToken) => inner.AddAsync(key, cancellationToken);
    }
}
