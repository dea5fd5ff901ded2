using System.Text;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Targets.Directories;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Targets.Directories;

/// <summary>A temporary root, a directory target over it, and helpers to build writes and look at the files.</summary>
public sealed class DirectoryTargetFixture : IDisposable
{
    public DirectoryTargetFixture(FileModePolicy? modes = null, TimeProvider? time = null)
    {
        Root = Path.Combine(Temp.Path, "root");
        Modes = modes;
        Time = time;
        Target = NewTarget();
    }

    public TempDirectory Temp { get; } = new();

    public string Root { get; }

    public FileModePolicy? Modes { get; }

    public TimeProvider? Time { get; }

    public DirectoryTarget Target { get; private set; }

    /// <summary>A fresh instance over the same root: what a restart looks like (empty hash cache).</summary>
    public DirectoryTarget NewTarget() => Target = new DirectoryTarget("files", Root, Modes, Time);

    public static SecretWrite Write(SecretId id, IReadOnlyDictionary<string, string> values, WriteMode mode = WriteMode.Create, bool immutable = false, string sealedHash = "sha256:sealed-1", Action<Secret>? customize = null)
    {
        var secret = new Secret { Metadata = new ObjectMetadata { Namespace = id.Namespace, Name = id.Name }, Immutable = immutable ? true : null };
        foreach (var (key, value) in values)
        {
            secret.Data[key] = Encoding.UTF8.GetBytes(value);
        }

        customize?.Invoke(secret);
        return new SecretWrite(secret, new AppliedStamp(sealedHash, SecretHashes.DataHash(secret.Data), "apps/app.yaml#1", "main@sha1:c1"), mode);
    }

    public Task WriteAsync(SecretId id, IReadOnlyDictionary<string, string> values, WriteMode mode = WriteMode.Create, bool immutable = false, string sealedHash = "sha256:sealed-1") =>
        Target.WriteAsync(Write(id, values, mode, immutable, sealedHash), CancellationToken.None);

    public async Task<ObservedSecret?> ObserveAsync(SecretId id, bool wanted = false) =>
        (await Target.ObserveAsync(null, wanted ? [id] : [], CancellationToken.None)).SingleOrDefault(o => o.Id == id);

    public string SecretDirectory(SecretId id) => Path.Combine(Root, id.Namespace, id.Name);

    public string KeyPath(SecretId id, string key) => Path.Combine(SecretDirectory(id), key);

    public string Read(SecretId id, string key) => File.ReadAllText(KeyPath(id, key));

    /// <summary>The generation directories (<c>..TIMESTAMP_RANDOM</c>) in a Secret's directory.</summary>
    public IReadOnlyList<string> Generations(SecretId id) =>
        Directory.GetDirectories(SecretDirectory(id)).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith("..", StringComparison.Ordinal) && n != "..data").ToList();

    public string CurrentGenerationPath(SecretId id) =>
        Path.Combine(SecretDirectory(id), new FileInfo(Path.Combine(SecretDirectory(id), "..data")).LinkTarget!);

    public string SidecarText(SecretId id) => File.ReadAllText(Path.Combine(SecretDirectory(id), "..data", "..gitops-secrets.json"));

    public void Dispose() => Temp.Dispose();
}
