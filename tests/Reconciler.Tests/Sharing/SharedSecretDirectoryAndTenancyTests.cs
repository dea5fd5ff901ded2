using GitOpsSecrets.Configuration;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets.Directories;
using GitOpsSecrets.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Sharing;

/// <summary>
/// The example repository's SharedSecrets (sealed to its demo key) through the sync engine into a real
/// directory target, and the tenancy guard refusing a document that reaches outside its folder's namespaces.
/// </summary>
public sealed class SharedSecretDirectoryAndTenancyTests : IDisposable
{
    private readonly TempDirectory _repo = new();
    private readonly TempDirectory _root = new();

    public SharedSecretDirectoryAndTenancyTests()
    {
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.Path("examples/repo/platform/sharing")))
        {
            _repo.Write($"platform/sharing/{Path.GetFileName(file)}", File.ReadAllText(file));
        }
    }

    [Fact]
    public async Task Sync_ExampleSharedSecretsToDirectory_LandsInNamedNamespacesAndReportsAccessAsNotApplicable()
    {
        var report = await SyncAsync(TenancyGuard.None);

        report.HasFailures.ShouldBeFalse(string.Join("\n", report.Targets.SelectMany(t => t.Objects).Select(o => o.Message)));
        var written = Directory.EnumerateDirectories(_root.Path).SelectMany(ns => Directory.EnumerateDirectories(ns).Select(n => $"{Path.GetFileName(ns)}/{Path.GetFileName(n)}")).Order(StringComparer.Ordinal).ToList();
        written.ShouldBe(["payments/analytics-db", "platform/registry-pull", "reporting/analytics-db"], "the home and named namespaces; a selector has no namespaces to match in a directory");
        File.ReadAllText(Path.Combine(_root.Path, "reporting/analytics-db/password")).ShouldBe("demo-only-analytics-ro", "the copy holds the value opened with the home identity");
        report.Warnings.ShouldContain(w => w.Contains("SharedSecret payments/analytics-db: spec.access is not applicable to directory target files", StringComparison.Ordinal), string.Join("\n", report.Warnings));
        report.Warnings.ShouldContain(w => w.Contains("SharedSecret platform/registry-pull: spec.imagePull is not applicable to directory target files", StringComparison.Ordinal));
        report.Warnings.ShouldContain(w => w.Contains("SharedSecret platform/registry-pull: spec.distribute.namespaceSelector is not applicable to directory target files", StringComparison.Ordinal));
        report.RsaOperations.ShouldBe(3, "one RSA operation per sealed key (analytics-db has two, registry-pull one): the two copies of analytics-db are opened once");
    }

    [Fact]
    public async Task Sync_TenancyGuardRefusesANamespace_NothingOfTheDocumentIsApplied()
    {
        var guard = new TenancyGuard([new NamespaceRule { Path = "platform/sharing", Allow = ["payments", "platform"] }]);

        var report = await SyncAsync(guard);

        var refused = report.Targets.Single().Objects.Where(o => o.Kind == ChangeKind.Failed).ShouldHaveSingleItem();
        refused.Message.ShouldStartWith("platform/sharing/analytics-db.yaml:1 (document 1): SharedSecret payments/analytics-db: namespace reporting is not allowed for platform/sharing (allowed: payments, platform); nothing of this document is applied to target files");
        Directory.Exists(Path.Combine(_root.Path, "payments", "analytics-db")).ShouldBeFalse("not even the copy in an allowed namespace is written");
        Directory.Exists(Path.Combine(_root.Path, "platform", "registry-pull")).ShouldBeTrue("the other document is within its folder's namespaces");
    }

    [Fact]
    public async Task Sync_TenancyGuardWithPrefix_AppliesToSealedSecretsToo()
    {
        var guard = new TenancyGuard([new NamespaceRule { Path = "platform", Allow = ["pay*", "platform", "reporting"] }]);

        var report = await SyncAsync(guard);

        report.HasFailures.ShouldBeFalse("payments matches pay*, and reporting and platform are named");
    }

    private async Task<SyncReport> SyncAsync(TenancyGuard guard)
    {
        var counters = new CryptoCounters();
        var unsealer = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), counters));
        var target = new DirectoryTarget("files", _root.Path);
        var engine = new SyncEngine(
            new FolderSource(_repo.Path),
            new DirectoryKeyStore(RepositoryFiles.Path("examples/repo/keys/demo-only")),
            [new SyncTarget(target, [], true) { Tenancy = guard }],
            unsealer,
            counters,
            TimeProvider.System,
            NullLogger<SyncEngine>.Instance);
        var report = await engine.SyncAsync(false, null, CancellationToken.None);
        GitOpsSecrets.Cli.ReportPrinter.Text(report.ForDisplay()).Contains("demo-only-analytics-ro", StringComparison.Ordinal).ShouldBeFalse("no value in the report");
        return report;
    }

    public void Dispose()
    {
        _repo.Dispose();
        _root.Dispose();
    }
}
