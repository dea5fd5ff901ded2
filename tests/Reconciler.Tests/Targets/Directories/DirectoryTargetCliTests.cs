using System.Text;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Targets.Directories;

/// <summary><c>sync --target directory:ROOT</c> through the real CLI, with a folder standing in for the git source.</summary>
public sealed class DirectoryTargetCliTests : IDisposable
{
    private const string Planted = "planted-value-c41d07";
    private readonly TempDirectory _repo = new();
    private readonly TempDirectory _out = new();

    public void Dispose()
    {
        _repo.Dispose();
        _out.Dispose();
    }

    [Fact]
    public async Task Sync_IntoADirectory_ThenPlanAndSyncAgainFindNothingToDo()
    {
        Seal("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = Planted });
        var root = Path.Combine(_out.Path, "secrets");
        var runner = new CliRunner { ConfigureServices = s => s.AddSingleton<ISecretSourceFactory>(new FolderSourceFactory(_repo.Path)) };
        string[] common = ["--repo", _repo.Path, "--keys", Vectors.Path("sealing-key.secret.json"), "--target", "directory:" + root];

        var first = await runner.RunAsync(["sync", .. common]);
        var plan = await runner.RunAsync(["plan", .. common]);
        var second = await runner.RunAsync(["sync", .. common]);

        first.ExitCode.ShouldBe(0, first.Stderr + first.Stdout);
        File.ReadAllText(Path.Combine(root, "payments", "db", "password")).ShouldBe(Planted);
        plan.ExitCode.ShouldBe(0, "a restart with nothing changed has nothing to do: " + plan.Stdout + plan.Stderr);
        second.ExitCode.ShouldBe(0, second.Stderr);
        second.Stdout.ShouldContain("RSA operations: 0");
        foreach (var output in new[] { first, plan, second })
        {
            (output.Stdout + output.Stderr).ShouldNotContain(Planted);
        }
    }

    private void Seal(string path, string @namespace, string name, IReadOnlyDictionary<string, string> values)
    {
        using var key = Vectors.LoadKey();
        var secret = new Secret { Metadata = new ObjectMetadata { Name = name, Namespace = @namespace } };
        foreach (var (k, value) in values)
        {
            secret.Data[k] = Encoding.UTF8.GetBytes(value);
        }

        var sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters()));
        _repo.Write(path, ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(sealer.Seal(secret, key, SealingScope.Strict)))));
    }

    private sealed class FolderSourceFactory(string root) : ISecretSourceFactory
    {
        public ISecretSource Create(SourceConfiguration configuration) => new FolderSource(root);
    }
}
