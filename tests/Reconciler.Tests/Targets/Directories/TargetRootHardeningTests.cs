using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests.Targets.Directories;

/// <summary>
/// The directory target's root against planted links, Secrets left broken by an interrupted or racing sync,
/// and leftovers that may hold values (issue 17, point 5).
/// </summary>
public sealed class TargetRootHardeningTests : IDisposable
{
    private const string Planted = "planted-value-91ce0d";
    private static readonly SecretId Db = new("payments", "db");
    private readonly DirectoryTargetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private string Outside => Directory.CreateDirectory(_fixture.Temp.File("outside")).FullName;

    [Fact]
    public async Task Write_NamespaceDirectoryIsASymlink_FailsNamingItAndWritesNothingWhereItPoints()
    {
        var outside = Outside;
        Directory.CreateDirectory(_fixture.Root);
        Directory.CreateSymbolicLink(Path.Combine(_fixture.Root, "payments"), outside);

        var refused = await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }));

        refused.Message.ShouldContain("symbolic link", customMessage: "the report must say why the Secret was left alone");
        refused.Message.ShouldContain(Path.Combine(_fixture.Root, "payments"));
        refused.Message.ShouldNotContain(Planted);
        Directory.GetFileSystemEntries(outside).ShouldBeEmpty("nothing may be written where a planted namespace link points");
        (await _fixture.Target.ObserveAsync(null, [Db], CancellationToken.None)).ShouldBeEmpty("a linked namespace is never walked into");
        new FileInfo(Path.Combine(_fixture.Root, "payments")).LinkTarget.ShouldBe(outside, "the planted link is left alone");
    }

    [Fact]
    public async Task Write_SecretDirectoryIsASymlinkToOneOfOurs_IsForeignAndNothingIsWrittenThere()
    {
        var other = new SecretId("payments", "other");
        await _fixture.WriteAsync(other, new Dictionary<string, string> { ["password"] = "theirs" });
        Directory.CreateSymbolicLink(_fixture.SecretDirectory(Db), _fixture.SecretDirectory(other));

        (await _fixture.ObserveAsync(Db, wanted: true)).ShouldNotBeNull().Managed.ShouldBeFalse("a link where a Secret should be is someone else's");
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }, WriteMode.Update));
        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(Db, CancellationToken.None));

        _fixture.Read(other, "password").ShouldBe("theirs", "the Secret the link points at is untouched");
        new FileInfo(_fixture.SecretDirectory(Db)).LinkTarget.ShouldNotBeNull("the planted link is left alone");
    }

    [Fact]
    public async Task DataLinkPointingOutside_IsForeign_AndNothingIsWrittenOrReadThere()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        // A copy of our generation outside, sidecar and all, so only the link decides.
        var outside = Path.Combine(Outside, "..2026_01_01_00_00_00.0000000_0badf00d");
        CopyTree(_fixture.CurrentGenerationPath(Db), outside);
        var before = Snapshot(outside);
        var dataLink = Path.Combine(_fixture.SecretDirectory(Db), "..data");
        File.Delete(dataLink);
        File.CreateSymbolicLink(dataLink, outside);

        (await _fixture.ObserveAsync(Db)).ShouldBeNull("..data leading out of the Secret's directory is not ours");
        (await _fixture.ObserveAsync(Db, wanted: true)).ShouldNotBeNull().Managed.ShouldBeFalse();
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }, WriteMode.Update));
        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(Db, CancellationToken.None));

        Snapshot(outside).ShouldBe(before, "nothing is written where a planted ..data points");
        new FileInfo(dataLink).LinkTarget.ShouldBe(outside, "the planted ..data is left alone");
    }

    [Fact]
    public async Task KeyLinkPointingOutside_IsNotFollowed_AndTheUpdateReplacesTheLinkNotTheFile()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        var outsideFile = Path.Combine(Outside, "passwd");
        File.WriteAllText(outsideFile, "outside-content");
        var keyLink = _fixture.KeyPath(Db, "password");
        File.Delete(keyLink);
        File.CreateSymbolicLink(keyLink, outsideFile);

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.Managed.ShouldBeTrue();
        observed.KeyHashes["password"].ShouldNotBe(SecretHashes.KeyHash("outside-content"u8), "a key link we did not make is never followed, not even to hash");
        observed.ActualDataHash.ShouldNotBe(observed.Stamp!.DataHash, "the planted link shows as drift");

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }, WriteMode.Update);

        File.ReadAllText(outsideFile).ShouldBe("outside-content", "nothing is written where a planted key link points");
        new FileInfo(keyLink).LinkTarget.ShouldBe("..data/password");
        _fixture.Read(Db, "password").ShouldBe(Planted);
    }

    public static TheoryData<string> Breakages() =>
    [
        "dangling key links, no generation, no ..data",
        "missing sidecar",
        "missing generation (..data dangling)",
        "..data_tmp and a second generation left over",
    ];

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task BrokenSecretOfOurs_IsOurs_RepairedByTheNextWrite_AndDeletable(string breakage)
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "old", ["user"] = "app" });
        Break(Db, breakage);
        _fixture.NewTarget();

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull($"{breakage}: a Secret we left broken must still be seen as ours (to repair or prune)");
        observed.Managed.ShouldBeTrue($"{breakage}: never reported as not managed by gitops-secrets");

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" }, WriteMode.Update);

        var repaired = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        repaired.Stamp.ShouldNotBeNull($"{breakage}: the repair writes our record again");
        repaired.ActualDataHash.ShouldBe(repaired.Stamp!.DataHash, $"{breakage}: every key is readable and as recorded");
        _fixture.Read(Db, "password").ShouldBe(Planted);
        _fixture.Generations(Db).Count.ShouldBe(1, $"{breakage}: old generations are gone");
        Path.Exists(Path.Combine(_fixture.SecretDirectory(Db), "..data_tmp")).ShouldBeFalse();

        Break(Db, breakage);
        await _fixture.Target.DeleteAsync(Db, CancellationToken.None);
        Path.Exists(_fixture.SecretDirectory(Db)).ShouldBeFalse($"{breakage}: a broken Secret of ours can be pruned");
    }

    [Fact]
    public async Task Recover_RemovesOurStagingAndDeletingLeftovers_AndLeavesLookalikesAlone()
    {
        var ns = Path.Combine(_fixture.Root, "payments");
        var staging = Path.Combine(ns, "..new-1234abcd");
        var deleting = Path.Combine(ns, "..deleting-deadbeef");
        await _fixture.WriteAsync(new SecretId("payments", "tmp1"), new Dictionary<string, string> { ["password"] = Planted });
        await _fixture.WriteAsync(new SecretId("payments", "tmp2"), new Dictionary<string, string> { ["password"] = Planted });
        Directory.Move(Path.Combine(ns, "tmp1"), staging);
        Directory.Move(Path.Combine(ns, "tmp2"), deleting);
        var emptyRootStaging = Directory.CreateDirectory(Path.Combine(_fixture.Root, "..new-0badf00d")).FullName;
        var notOurLayout = Directory.CreateDirectory(Path.Combine(ns, "..new-cafebabe")).FullName;
        File.WriteAllText(Path.Combine(notOurLayout, "notes.txt"), "someone's");
        var notOurName = Directory.CreateDirectory(Path.Combine(ns, "..new-backup")).FullName;
        var linkedOutside = Path.Combine(ns, "..deleting-00000001");
        File.WriteAllText(Path.Combine(Outside, "keep.txt"), "keep");
        Directory.CreateSymbolicLink(linkedOutside, Outside);

        var done = await _fixture.Target.RecoverAsync(CancellationToken.None);

        done.ShouldContain(l => l.Contains("removed 3 staging or deleting directories", StringComparison.Ordinal), string.Join(" | ", done));
        Path.Exists(staging).ShouldBeFalse("an interrupted create's staging directory holds values");
        Path.Exists(deleting).ShouldBeFalse("an interrupted delete's directory holds values");
        Path.Exists(emptyRootStaging).ShouldBeFalse();
        File.ReadAllText(Path.Combine(notOurLayout, "notes.txt")).ShouldBe("someone's", "a lookalike holding something we never write is left alone");
        Directory.Exists(notOurName).ShouldBeTrue("only our exact names are ours");
        File.ReadAllText(Path.Combine(Outside, "keep.txt")).ShouldBe("keep", "a link with our name is never followed");
        new FileInfo(linkedOutside).LinkTarget.ShouldNotBeNull();
    }

    [Fact]
    public async Task Recover_AfterAnInterruptedUpdate_RemovesSupersededGenerationsAndTemporaries()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "current" });
        var directory = _fixture.SecretDirectory(Db);
        var stale = Path.Combine(directory, "..2020_01_01_00_00_00.0000000_11112222");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "password"), Planted);
        File.CreateSymbolicLink(Path.Combine(directory, "..data_tmp"), "..2020_01_01_00_00_00.0000000_11112222");
        File.CreateSymbolicLink(Path.Combine(directory, "..link-33334444"), "..data/password");

        var done = await _fixture.Target.RecoverAsync(CancellationToken.None);

        done.ShouldContain(l => l.Contains("1 Secret directory", StringComparison.Ordinal), string.Join(" | ", done));
        Path.Exists(stale).ShouldBeFalse("a superseded generation holds old values");
        Path.Exists(Path.Combine(directory, "..data_tmp")).ShouldBeFalse();
        Path.Exists(Path.Combine(directory, "..link-33334444")).ShouldBeFalse();
        _fixture.Read(Db, "password").ShouldBe("current");
        Path.Exists(Path.Combine(_fixture.Root, "..gitops-secrets.recover")).ShouldBeFalse("the marker goes once the root is tidy");
    }

    private void Break(SecretId id, string breakage)
    {
        var directory = _fixture.SecretDirectory(id);
        var generation = _fixture.CurrentGenerationPath(id);
        switch (breakage)
        {
            case "dangling key links, no generation, no ..data":
                Directory.Delete(generation, recursive: true);
                File.Delete(Path.Combine(directory, "..data"));
                break;
            case "missing sidecar":
                File.Delete(Path.Combine(generation, "..gitops-secrets.json"));
                break;
            case "missing generation (..data dangling)":
                Directory.Delete(generation, recursive: true);
                break;
            case "..data_tmp and a second generation left over":
                var second = Path.Combine(directory, "..2030_01_01_00_00_00.0000000_aaaabbbb");
                Directory.CreateDirectory(second);
                File.WriteAllText(Path.Combine(second, "password"), "half-written");
                File.CreateSymbolicLink(Path.Combine(directory, "..data_tmp"), Path.GetFileName(second));
                File.Delete(Path.Combine(generation, "..gitops-secrets.json"));
                break;
            default:
                throw new ArgumentException(breakage, nameof(breakage));
        }
    }

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(f => Path.GetRelativePath(directory, f), File.ReadAllText);

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
