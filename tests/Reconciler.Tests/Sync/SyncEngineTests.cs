using System.Text;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.Sync;

public sealed class SyncEngineTests : IDisposable
{
    private const string Planted = "planted-value-9d41c";
    private readonly SyncFixture _fixture = new();
    private static readonly SecretId Db = new("payments", "db");
    private static readonly SecretId Api = new("payments", "api");

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Sync_NewSealedSecrets_CreatesThemWithStamps()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" });
        _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });

        var report = await _fixture.SyncAsync();

        report.HasFailures.ShouldBeFalse(string.Join('\n', report.Targets.SelectMany(t => t.Objects).Select(o => o.Message)));
        report.Targets.Single().Count(ChangeKind.Create).ShouldBe(2);
        _fixture.Text(Db, "password").ShouldBe(Planted);
        var stamp = _fixture.Target.StampOf(Db)!;
        stamp.Source.ShouldBe("apps/db.yaml#1");
        stamp.Revision.ShouldBe("main@sha1:c1");
        stamp.DataHash.ShouldBe(SecretHashes.DataHash(_fixture.Target.Secrets[Db].Data));
        report.RsaOperations.ShouldBe(3);
        report.Targets.Single().Objects.Single(o => o.Id == Db).Diff!.KeysAdded.ShouldBe(["password", "user"]);
    }

    [Fact]
    public async Task Sync_NothingChanged_DecryptsNothingReadsNothingWritesNothing()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.SyncAsync();
        var writes = _fixture.Target.Writes;

        var report = await _fixture.SyncAsync();

        report.RsaOperations.ShouldBe(0);
        report.FilesRead.ShouldBe(0, "an unchanged revision must not re-read files");
        _fixture.Target.Writes.ShouldBe(writes);
        report.Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(1);
    }

    [Fact]
    public async Task Sync_AfterRestartWithNothingChanged_DecryptsNothing()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p", ["user"] = "u" });
        await _fixture.SyncAsync();
        _fixture.NewEngine();

        var report = await _fixture.SyncAsync();

        report.RsaOperations.ShouldBe(0, "stamps on the target must make a restart free of RSA work");
        report.Targets.Single().Count(ChangeKind.Unchanged).ShouldBe(1);
        _fixture.Target.ObservedNamespaces[^1].ShouldBeNull("the first sync of a process observes every namespace, so prune sees everything");
    }

    [Fact]
    public async Task Sync_OneChangedFile_DecryptsOnlyThatSecretAndReadsOnlyThatFile()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p1", ["user"] = "u" });
        _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });
        await _fixture.SyncAsync();
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p2", ["user"] = "u", ["extra"] = "e" });
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/db.yaml"];

        var report = await _fixture.SyncAsync();

        report.FilesRead.ShouldBe(1);
        report.RsaOperations.ShouldBe(3);
        var update = report.Targets.Single().Objects.Single(o => o.Id == Db);
        update.Kind.ShouldBe(ChangeKind.Update);
        update.Diff!.KeysAdded.ShouldBe(["extra"]);
        update.Diff.KeysChanged.ShouldBe(["password"]);
        update.Diff.ToString().ShouldNotContain("p2");
        _fixture.Text(Db, "password").ShouldBe("p2");
        _fixture.Target.StampOf(Db)!.Revision.ShouldBe("main@sha1:c2");
    }

    [Fact]
    public async Task Sync_FileDeleted_PrunesItsSecretOnly()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        var api = _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });
        var foreign = new Secret { Metadata = new ObjectMetadata { Name = "not-ours", Namespace = "payments" } };
        _fixture.Target.SeedForeign(foreign);
        await _fixture.SyncAsync();
        File.Delete(api);
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/api.yaml"];

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Objects.Single(o => o.Id == Api).Kind.ShouldBe(ChangeKind.Delete);
        _fixture.Target.Secrets.Keys.ShouldBe([Db, new SecretId("payments", "not-ours")], ignoreOrder: true);
    }

    [Fact]
    public async Task Plan_DoesNotWriteButReportsChanges()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });

        var report = await _fixture.SyncAsync(dryRun: true);

        report.DryRun.ShouldBeTrue();
        report.HasChanges.ShouldBeTrue();
        _fixture.Target.Writes.ShouldBe(0);
        _fixture.Target.Secrets.ShouldBeEmpty();
    }

    [Fact]
    public async Task Sync_TamperedDocument_LeavesItsSecretUntouchedAndAppliesTheRest()
    {
        var db = _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p1" });
        _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t1" });
        await _fixture.SyncAsync();
        File.WriteAllText(db, RenameTopLevel(File.ReadAllText(db)));
        _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t2" });
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/db.yaml", "apps/api.yaml"];

        var report = await _fixture.SyncAsync();

        var target = report.Targets.Single();
        var failed = target.Objects.Where(o => o.Kind == ChangeKind.Failed).ToList();
        failed.Count.ShouldBe(1);
        failed[0].Message!.ShouldContain("apps/db.yaml");
        failed[0].Message!.ShouldContain("no key could decrypt secret (password)");
        failed[0].Reason.ShouldBe(FailureReason.Unseal);
        _fixture.Text(Db, "password").ShouldBe("p1", "the Secret made from the failing document must stay as it was, not be pruned");
        _fixture.Text(Api, "token").ShouldBe("t2");
        target.Objects.ShouldNotContain(o => o.Kind == ChangeKind.Delete, "a Secret whose document failed is never pruned");
        SyncReportAssertions.NoValueIn(report, "p1", "t1", "t2");
        report.HasFailures.ShouldBeTrue();
        report.Failed.ShouldBeFalse();
    }

    [Fact]
    public async Task Sync_UnparsableFile_SuspendsPruneAndSaysSo()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        var api = _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });
        await _fixture.SyncAsync();
        File.WriteAllText(api, "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: [broken\n");
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/api.yaml"];

        var report = await _fixture.SyncAsync();

        var target = report.Targets.Single();
        target.PruneSuspended.ShouldNotBeNull();
        target.PruneSuspended.ShouldContain("apps/api.yaml");
        _fixture.Target.Secrets.ContainsKey(Api).ShouldBeTrue("nothing may be deleted while a file under the target's paths cannot be parsed");
        target.Objects.ShouldContain(o => o.Kind == ChangeKind.Failed && o.Message!.Contains("apps/api.yaml") && o.Reason == FailureReason.Parse);
    }

    [Fact]
    public async Task Sync_SameSecretInTwoFiles_RejectsBothNamingBoth()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p1" });
        _fixture.Write("other/db-copy.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p2" });

        var report = await _fixture.SyncAsync();

        var failure = report.Targets.Single().Objects.Single(o => o.Id == Db);
        failure.Kind.ShouldBe(ChangeKind.Failed);
        failure.Message!.ShouldContain("apps/db.yaml");
        failure.Message!.ShouldContain("other/db-copy.yaml");
        failure.Reason.ShouldBe(FailureReason.Parse);
        _fixture.Target.Secrets.ShouldBeEmpty();
        report.RsaOperations.ShouldBe(0);
    }

    [Fact]
    public async Task Sync_SourceUnreachable_ChangesNothing()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.SyncAsync();
        _fixture.Source.Unreachable = true;

        var report = await _fixture.SyncAsync();

        report.Failed.ShouldBeTrue();
        report.Errors.Single().ShouldContain("nothing was changed");
        _fixture.Target.Secrets.Count.ShouldBe(1);
        _fixture.Target.Writes.ShouldBe(1);
        _fixture.Target.Deletes.ShouldBe(0);
    }

    [Fact]
    public async Task Sync_TargetUnreadable_TouchesNothingAndReportsIt()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        _fixture.Target.FailObserve = true;

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Error.ShouldNotBeNull();
        report.Failed.ShouldBeTrue();
        report.RsaOperations.ShouldBe(0);
    }

    [Fact]
    public async Task Sync_DriftBySomeoneElse_IsCorrectedAndReported()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.SyncAsync();
        _fixture.Target.EditBehindOurBack(Db, "password", Encoding.UTF8.GetBytes("edited"));

        var report = await _fixture.SyncAsync();

        var update = report.Targets.Single().Objects.Single(o => o.Id == Db);
        update.Kind.ShouldBe(ChangeKind.Update);
        update.Diff!.KeysChanged.ShouldBe(["password"]);
        _fixture.Text(Db, "password").ShouldBe("p");
    }

    [Fact]
    public async Task Sync_ManagedSecretDeletedBySomeoneElse_IsRecreated()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.SyncAsync();
        _fixture.Target.DeleteBehindOurBack(Db);

        var report = await _fixture.SyncAsync();

        report.Targets.Single().Objects.Single(o => o.Id == Db).Kind.ShouldBe(ChangeKind.Create);
        _fixture.Text(Db, "password").ShouldBe("p");
    }

    [Fact]
    public async Task Sync_ForeignSecretWithSameName_IsLeftAloneAndReported()
    {
        _fixture.Target.SeedForeign(new Secret { Metadata = new ObjectMetadata { Name = "db", Namespace = "payments" }, Data = { ["x"] = [1] } });
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });

        var report = await _fixture.SyncAsync();

        var skipped = report.Targets.Single().Objects.Single(o => o.Id == Db);
        skipped.Kind.ShouldBe(ChangeKind.Skipped);
        skipped.Message!.ShouldContain("not managed by gitops-secrets");
        skipped.Reason.ShouldBe(FailureReason.Unmanaged);
        _fixture.Target.Secrets[Db].Data.Keys.ShouldBe(["x"]);
        report.RsaOperations.ShouldBe(0);
    }

    [Fact]
    public async Task Sync_WriteFails_ReportsPartialFailureAndKeepsGoing()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        _fixture.Write("apps/api.yaml", "payments", "api", new Dictionary<string, string> { ["token"] = "t" });
        _fixture.Target.FailWrites.Add(Db);

        var report = await _fixture.SyncAsync();

        var failed = report.Targets.Single().Objects.Single(o => o.Id == Db);
        failed.Kind.ShouldBe(ChangeKind.Failed);
        failed.Reason.ShouldBe(FailureReason.Update);
        _fixture.Target.Secrets.Keys.ShouldBe([Api]);
        GitOpsSecrets.Cli.SyncCommand.ExitCodeOf(report, plan: false).ShouldBe(GitOpsSecrets.Cli.ExitCodes.PartialFailure);
    }

    [Fact]
    public async Task Sync_ResealedWithSameValues_RestampsWithoutDataChange()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.SyncAsync();
        var firstStamp = _fixture.Target.StampOf(Db)!;
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/db.yaml"];

        var report = await _fixture.SyncAsync();
        var third = await _fixture.SyncAsync();

        var update = report.Targets.Single().Objects.Single();
        update.Kind.ShouldBe(ChangeKind.Update);
        update.Message.ShouldBe("re-sealed, data unchanged");
        _fixture.Target.StampOf(Db)!.SealedHash.ShouldNotBe(firstStamp.SealedHash);
        third.RsaOperations.ShouldBe(0);
    }

    [Fact]
    public async Task Sync_ImmutableSecretWithChangedData_FailsUnlessRecreateIsAllowed()
    {
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p1" }, customize: s => s.Immutable = true);
        await _fixture.SyncAsync();
        _fixture.Write("apps/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p2" }, customize: s => s.Immutable = true);
        _fixture.Source.Commit = "c2";
        _fixture.Source.Changed = ["apps/db.yaml"];

        var report = await _fixture.SyncAsync();

        var failed = report.Targets.Single().Objects.Single();
        failed.Kind.ShouldBe(ChangeKind.Failed);
        failed.Message!.ShouldContain(ManagedMetadata.RecreateImmutableAnnotation);
        _fixture.Text(Db, "password").ShouldBe("p1");
    }

    [Fact]
    public async Task Sync_TargetPaths_LimitWhatItReceivesAndWhatItPrunes()
    {
        using var fixture = new SyncFixture(paths: ["clusters/prod"]);
        fixture.Write("clusters/prod/db.yaml", "payments", "db", new Dictionary<string, string> { ["password"] = "p" });
        fixture.Write("clusters/staging/db.yaml", "staging", "db", new Dictionary<string, string> { ["password"] = "s" });

        var report = await fixture.SyncAsync();

        fixture.Target.Secrets.Keys.ShouldBe([Db]);
        report.Targets.Single().Objects.Count.ShouldBe(1);
    }

    private static string RenameTopLevel(string yaml)
    {
        // Rename only the top-level SealedSecret (first "name: db"), keeping the template: a strict value must not open.
        var index = yaml.IndexOf("name: db", StringComparison.Ordinal);
        return yaml[..index] + "name: db-renamed" + yaml[(index + "name: db".Length)..];
    }
}

internal static class SyncReportAssertions
{
    public static void NoValueIn(SyncReport report, params string[] values)
    {
        var text = GitOpsSecrets.Cli.ReportPrinter.Text(report) + GitOpsSecrets.Cli.ReportPrinter.Json(report);
        foreach (var value in values)
        {
            text.ShouldNotContain(value, customMessage: "a secret value leaked into the report");
        }
    }
}
