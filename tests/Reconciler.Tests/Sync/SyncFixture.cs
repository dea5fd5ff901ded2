using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Sync;

/// <summary>A folder of SealedSecrets sealed to the vector key, a sync engine over it and an in-memory target.</summary>
public sealed class SyncFixture : IDisposable
{
    private readonly TestSealer _sealer;

    public SyncFixture(IReadOnlyList<string>? paths = null, bool prune = true)
    {
        Repo = new TempDirectory();
        Source = new FolderSource(Repo.Path);
        _sealer = new TestSealer(Counters);
        Target = new InMemoryTarget();
        Paths = paths ?? [];
        Prune = prune;
        Engine = NewEngine();
    }

    public TempDirectory Repo { get; }

    public FolderSource Source { get; }

    public InMemoryTarget Target { get; }

    public CryptoCounters Counters { get; } = new();

    public IReadOnlyList<string> Paths { get; }

    public bool Prune { get; }

    public SyncEngine Engine { get; private set; }

    /// <summary>A new engine over the same folder and target: what a process restart looks like.</summary>
    public SyncEngine NewEngine()
    {
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), Counters));
        Engine = new SyncEngine(Source, new PathKeyStore(Vectors.Path("sealing-key.secret.json")), [new SyncTarget(Target, Paths, Prune)], unsealer, Counters, TimeProvider.System, NullLogger<SyncEngine>.Instance);
        return Engine;
    }

    public Task<SyncReport> SyncAsync(bool dryRun = false) => Engine.SyncAsync(dryRun, null, CancellationToken.None);

    /// <summary>Seals a Secret with the given values and writes it to a repository path.</summary>
    public string Write(string path, string @namespace, string name, IReadOnlyDictionary<string, string> values, SealingScope scope = SealingScope.Strict, Action<Secret>? customize = null)
        => Repo.Write(path, _sealer.Yaml(@namespace, name, values, scope, customize));

    public string Text(SecretId id, string key) => Encoding.UTF8.GetString(Target.Secrets[id].Data[key]);

    public void Dispose()
    {
        _sealer.Dispose();
        Repo.Dispose();
    }
}
