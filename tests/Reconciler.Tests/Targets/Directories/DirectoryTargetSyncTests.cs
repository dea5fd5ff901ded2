using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Tests.Targets.Directories;

/// <summary>The whole sync engine against a real directory target: a folder of SealedSecrets in, files out.</summary>
public sealed class DirectoryTargetSyncTests : IDisposable
{
    private const string Planted = "planted-value-77f3b9";
    private static readonly SecretId Db = new("payments", "db");
    private static readonly SecretId Api = new("payments", "api");
    private readonly SealingKey _key = Vectors.LoadKey();
    private readonly TempDirectory _repo = new();
    private readonly DirectoryTargetFixture _files = new();
    private readonly CryptoCounters _counters = new();
    private readonly CapturingLogger _log = new();
    private readonly FolderSource _source;
    private SyncEngine _engine;

    public DirectoryTargetSyncTests()
    {
        _source = new FolderSource(_repo.Path);
        _engine = NewEngine();
    }

    public void Dispose()
    {
        _key.Dispose();
        _repo.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Sync_WritesFiles_ThenASecondSyncAndARestartDecryptNothing()
    {
        Seal("apps/db.yaml", Db, new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" });
        Seal("apps/api.yaml", Api, new Dictionary<string, string> { [".token"] = "t" });

        var first = await SyncAsync();

        Failures(first).ShouldBeEmpty();
        first.Targets.Single().Count(ChangeKind.Create).ShouldBe(2);
        _files.Read(Db, "password").ShouldBe(Planted);
        _files.Read(Api, ".token").ShouldBe("t");
        first.RsaOperations.ShouldBe(3);

        var second = await SyncAsync();

        second.RsaOperations.ShouldBe(0, "an unchanged repository must decrypt nothing");
        second.Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(2);

        _files.NewTarget();
        _engine = NewEngine();
        var restart = await SyncAsync();

        restart.RsaOperations.ShouldBe(0, "the sidecars must make a restart free of RSA work");
        restart.Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(2);
        _files.Generations(Db).Count.ShouldBe(1, "nothing was rewritten");
    }

    [Fact]
    public async Task Sync_DriftOnDisk_IsRepaired_AndARemovedDocumentIsPruned()
    {
        Seal("apps/db.yaml", Db, new Dictionary<string, string> { ["password"] = Planted });
        Seal("apps/api.yaml", Api, new Dictionary<string, string> { ["token"] = "t" });
        await SyncAsync();
        File.WriteAllText(_files.KeyPath(Db, "password"), "edited by hand");
        File.Delete(Path.Combine(_repo.Path, "apps/api.yaml"));
        _source.Commit = "c2";

        var report = await SyncAsync();

        Failures(report).ShouldBeEmpty();
        var repaired = report.Targets.Single().Objects.Single(o => o.Id == Db);
        repaired.Kind.ShouldBe(ChangeKind.Update);
        repaired.Diff!.KeysChanged.ShouldBe(["password"]);
        _files.Read(Db, "password").ShouldBe(Planted);
        report.Targets.Single().Objects.Single(o => o.Id == Api).Kind.ShouldBe(ChangeKind.Delete);
        Path.Exists(_files.SecretDirectory(Api)).ShouldBeFalse();
    }

    [Fact]
    public async Task Sync_ForeignDirectoryWithTheSameName_IsLeftAloneAndReported()
    {
        var foreign = _files.Temp.Write("root/payments/db/password", "theirs");
        Seal("apps/db.yaml", Db, new Dictionary<string, string> { ["password"] = Planted });

        var report = await SyncAsync();

        var skipped = report.Targets.Single().Objects.Single(o => o.Id == Db);
        skipped.Kind.ShouldBe(ChangeKind.Skipped);
        skipped.Message!.ShouldContain("not managed by gitops-secrets");
        File.ReadAllText(foreign).ShouldBe("theirs");
        Directory.GetFileSystemEntries(_files.SecretDirectory(Db)).Length.ShouldBe(1);
    }

    [Fact]
    public async Task Sync_PlantedValues_NeverReachTheReportTheLogOrTheSidecar()
    {
        Seal("apps/db.yaml", Db, new Dictionary<string, string> { ["password"] = Planted });
        await SyncAsync();
        File.WriteAllText(_files.KeyPath(Db, "password"), "hand-edit-3f9a1c");
        _source.Commit = "c2";

        var report = await SyncAsync();

        var printed = string.Join('\n', report.Targets.SelectMany(t => t.Objects).Select(o => $"{o.Kind} {o.Id} {o.Diff} {o.Message}"));
        printed.ShouldNotContain(Planted);
        _log.Text.ShouldNotContain(Planted);
        _log.Text.ShouldNotContain("hand-edit-3f9a1c");
        _log.Text.ShouldContain("payments/db", Case.Sensitive, "the repair is logged, by name");
        _files.SidecarText(Db).ShouldNotContain(Planted);
    }

    private SyncEngine NewEngine()
    {
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), _counters));
        return new SyncEngine(_source, new PathKeyStore(Vectors.Path("sealing-key.secret.json")), [new SyncTarget(_files.Target, [], Prune: true)],
            unsealer, _counters, TimeProvider.System, _log);
    }

    private Task<SyncReport> SyncAsync() => _engine.SyncAsync(dryRun: false, null, CancellationToken.None);

    private static List<string?> Failures(SyncReport report) =>
        report.Targets.SelectMany(t => t.Objects).Where(o => o.Kind == ChangeKind.Failed).Select(o => o.Message).ToList();

    private void Seal(string path, SecretId id, IReadOnlyDictionary<string, string> values)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Name = id.Name, Namespace = id.Namespace } };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        _repo.Write(path, ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(sealer.Seal(secret, _key, SealingScope.Strict)))));
    }

    /// <summary>Keeps every formatted log line, to check that no value is ever logged.</summary>
    private sealed class CapturingLogger : ILogger<SyncEngine>
    {
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_text)
            {
                _text.AppendLine(formatter(state, exception)).AppendLine(exception?.ToString());
            }
        }
    }
}
