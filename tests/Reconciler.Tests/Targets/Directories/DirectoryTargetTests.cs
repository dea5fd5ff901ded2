using GitOpsSecrets.Secrets;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Targets.Directories;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Targets.Directories;

public sealed class DirectoryTargetTests : IDisposable
{
    private const string Planted = "planted-value-5e0c2a";
    private static readonly SecretId Db = new("payments", "db");
    private readonly DirectoryTargetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Write_NewSecret_LaysOutASecretVolumeAndObservesAsWritten()
    {
        var write = DirectoryTargetFixture.Write(Db, new Dictionary<string, string> { ["password"] = Planted, ["user"] = "app" },
            customize: s => s.Metadata.Labels["app"] = "db");

        await _fixture.Target.WriteAsync(write, CancellationToken.None);

        _fixture.Read(Db, "password").ShouldBe(Planted);
        _fixture.Read(Db, "user").ShouldBe("app");
        new FileInfo(_fixture.KeyPath(Db, "password")).LinkTarget.ShouldBe("..data/password", "each key is a link into the current generation, as in a secret volume");
        new FileInfo(Path.Combine(_fixture.SecretDirectory(Db), "..data")).LinkTarget!.ShouldStartWith("..");
        _fixture.Generations(Db).Count.ShouldBe(1);

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.Managed.ShouldBeTrue();
        observed.Stamp.ShouldBe(write.Stamp);
        observed.ActualDataHash.ShouldBe(write.Stamp.DataHash);
        observed.KeyHashes.ShouldBe(SecretHashes.KeyHashes(write.Secret.Data));
        observed.Labels.ShouldBe(new Dictionary<string, string> { ["app"] = "db" });
        observed.Type.ShouldBe(Secret.DefaultType);
    }

    [Fact]
    public async Task Write_SidecarHoldsHashesButNeverValues()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted });

        var sidecar = _fixture.SidecarText(Db);

        sidecar.ShouldNotContain(Planted);
        sidecar.ShouldNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Planted)));
        sidecar.ShouldContain(SecretHashes.KeyHash(System.Text.Encoding.UTF8.GetBytes(Planted)));
        File.GetUnixFileMode(Path.Combine(_fixture.SecretDirectory(Db), "..data", "..gitops-secrets.json")).ShouldBe(UnixFileMode.UserRead);
    }

    [Fact]
    public async Task Write_DefaultModes_AreOwnerOnly()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });

        File.GetUnixFileMode(Path.Combine(_fixture.CurrentGenerationPath(Db), "password")).ShouldBe(UnixFileMode.UserRead);
        File.GetUnixFileMode(_fixture.SecretDirectory(Db)).ShouldBe(Mode("700"));
        File.GetUnixFileMode(_fixture.CurrentGenerationPath(Db)).ShouldBe(Mode("700"));
        File.GetUnixFileMode(Path.Combine(_fixture.Root, "payments")).ShouldBe(Mode("755"));
    }

    [Fact]
    public async Task Write_ConfiguredModes_DefaultByKeyAndBySecretKey()
    {
        var modes = FileModePolicy.FromConfiguration("files", "0440", new Dictionary<string, string>
        {
            ["ca.crt"] = "0444",
            ["payments/db/tls.key"] = "600",
        });
        using var fixture = new DirectoryTargetFixture(modes);
        var other = new SecretId("payments", "other");

        await fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p", ["ca.crt"] = "c", ["tls.key"] = "k" });
        await fixture.WriteAsync(other, new Dictionary<string, string> { ["tls.key"] = "k" });

        var generation = fixture.CurrentGenerationPath(Db);
        File.GetUnixFileMode(Path.Combine(generation, "password")).ShouldBe(Mode("440"));
        File.GetUnixFileMode(Path.Combine(generation, "ca.crt")).ShouldBe(Mode("444"));
        File.GetUnixFileMode(Path.Combine(generation, "tls.key")).ShouldBe(Mode("600"), "namespace/name/key wins over the default");
        File.GetUnixFileMode(Path.Combine(fixture.CurrentGenerationPath(other), "tls.key")).ShouldBe(Mode("440"), "a per-Secret mode applies to that Secret only");
        File.GetUnixFileMode(fixture.SecretDirectory(Db)).ShouldBe(Mode("755"), "others may read ca.crt, so they must be able to pass through");
        File.GetUnixFileMode(fixture.SecretDirectory(other)).ShouldBe(Mode("750"));
    }

    [Fact]
    public async Task Write_KeysStartingWithADot_WorkAndAreObserved()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { [".env"] = "A=1", [".dockerconfigjson"] = "{}", ["plain"] = "x" });

        _fixture.Read(Db, ".env").ShouldBe("A=1");
        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.KeyHashes.Keys.Order(StringComparer.Ordinal).ShouldBe([".dockerconfigjson", ".env", "plain"]);
        observed.ActualDataHash.ShouldBe(observed.Stamp!.DataHash);
    }

    [Fact]
    public async Task Update_KeyRemoved_DisappearsAndOldGenerationIsDeleted()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1", ["old"] = "o" });
        var first = _fixture.Generations(Db).Single();

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p2", ["new"] = "n" }, WriteMode.Update, sealedHash: "sha256:sealed-2");

        _fixture.Read(Db, "password").ShouldBe("p2");
        _fixture.Read(Db, "new").ShouldBe("n");
        Path.Exists(_fixture.KeyPath(Db, "old")).ShouldBeFalse();
        new FileInfo(_fixture.KeyPath(Db, "old")).LinkTarget.ShouldBeNull("the removed key's link must be gone, not dangling");
        _fixture.Generations(Db).ShouldNotContain(first);
        _fixture.Generations(Db).Count.ShouldBe(1);
        Directory.GetFileSystemEntries(_fixture.SecretDirectory(Db)).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(new[] { "..data", _fixture.Generations(Db).Single(), "new", "password" }.Order(StringComparer.Ordinal));
        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.Stamp!.SealedHash.ShouldBe("sha256:sealed-2");
        observed.ActualDataHash.ShouldBe(observed.Stamp.DataHash);
    }

    [Fact]
    public async Task Delete_OurSecret_RemovesItAndKeepsTheNamespaceDirectory()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });

        await _fixture.Target.DeleteAsync(Db, CancellationToken.None);

        Path.Exists(_fixture.SecretDirectory(Db)).ShouldBeFalse();
        Directory.Exists(Path.Combine(_fixture.Root, "payments")).ShouldBeTrue();
        Directory.GetFileSystemEntries(Path.Combine(_fixture.Root, "payments")).ShouldBeEmpty("no staging or deleting leftovers");
        (await _fixture.ObserveAsync(Db)).ShouldBeNull();
    }

    [Fact]
    public async Task Delete_NeverFollowsALinkOutOfTheSecretDirectory()
    {
        var outside = _fixture.Temp.Write("outside/keep.txt", "keep");
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        Directory.CreateSymbolicLink(_fixture.KeyPath(Db, "escape"), Path.GetDirectoryName(outside)!);

        await _fixture.Target.DeleteAsync(Db, CancellationToken.None);

        File.ReadAllText(outside).ShouldBe("keep");
    }

    [Fact]
    public async Task ForeignDirectory_IsReportedWhenWantedAndNeverWrittenOrDeleted()
    {
        var foreign = _fixture.Temp.Write("root/payments/db/password", "theirs");

        var unwanted = await _fixture.Target.ObserveAsync(null, [], CancellationToken.None);
        var wanted = await _fixture.Target.ObserveAsync(null, [Db], CancellationToken.None);

        unwanted.ShouldBeEmpty("a directory we did not write is not ours to report unless asked for");
        var observed = wanted.ShouldHaveSingleItem();
        observed.Managed.ShouldBeFalse();
        observed.Takeover.ShouldBe(Takeover.None);
        observed.KeyHashes.Keys.ShouldBe(["password"]);
        foreach (var mode in new[] { WriteMode.Create, WriteMode.Update, WriteMode.Replace, WriteMode.Patch, WriteMode.Recreate })
        {
            var refused = await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }, mode));
            refused.Message.ShouldContain("payments/db");
            refused.Message.ShouldNotContain(Planted);
        }

        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(Db, CancellationToken.None));
        File.ReadAllText(foreign).ShouldBe("theirs");
        Directory.GetFileSystemEntries(_fixture.SecretDirectory(Db)).Length.ShouldBe(1);
    }

    [Fact]
    public async Task ForeignSecretVolume_KubeletGenerationNames_IsNotOurs()
    {
        // kubelet's own layout (its generation names, no sidecar of ours), e.g. a secret volume copied here.
        var directory = _fixture.SecretDirectory(Db);
        Directory.CreateDirectory(Path.Combine(directory, "..2026_12_01_21_30_00.123456789"));
        File.WriteAllText(Path.Combine(directory, "..2026_12_01_21_30_00.123456789", "password"), "theirs");
        File.CreateSymbolicLink(Path.Combine(directory, "..data"), "..2026_12_01_21_30_00.123456789");
        File.CreateSymbolicLink(Path.Combine(directory, "password"), "..data/password");

        (await _fixture.ObserveAsync(Db)).ShouldBeNull("a layout with generation names we never make is not ours");
        (await _fixture.ObserveAsync(Db, wanted: true)).ShouldNotBeNull().Managed.ShouldBeFalse();
        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(Db, CancellationToken.None));
        _fixture.Read(Db, "password").ShouldBe("theirs");
    }

    [Fact]
    public async Task SidecarNamingAnotherSecret_IsNotOurs()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        var copy = new SecretId("payments", "copy");
        CopyDirectory(_fixture.SecretDirectory(Db), _fixture.SecretDirectory(copy));

        (await _fixture.ObserveAsync(copy)).ShouldBeNull("a copied directory was not written by us at that path");
        await Should.ThrowAsync<TargetException>(() => _fixture.Target.DeleteAsync(copy, CancellationToken.None));
    }

    [Fact]
    public async Task Drift_EditedValue_ShowsInActualDataHashAndKeyHashes()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1", ["user"] = "u" });
        var stamp = (await _fixture.ObserveAsync(Db))!.Stamp!;

        File.WriteAllText(_fixture.KeyPath(Db, "password"), "p2");

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.ActualDataHash.ShouldNotBe(stamp.DataHash);
        observed.ActualDataHash.ShouldBe(SecretHashes.DataHash(new Dictionary<string, byte[]> { ["password"] = "p2"u8.ToArray(), ["user"] = "u"u8.ToArray() }));
        observed.KeyHashes["password"].ShouldBe(SecretHashes.KeyHash("p2"u8));
    }

    [Fact]
    public async Task Drift_DeletedValueFileOrLink_ShowsAsMissingKey()
    {
        var other = new SecretId("payments", "other");
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p", ["user"] = "u" });
        await _fixture.WriteAsync(other, new Dictionary<string, string> { ["password"] = "p", ["user"] = "u" });

        File.Delete(Path.Combine(_fixture.CurrentGenerationPath(Db), "user"));
        File.Delete(_fixture.KeyPath(other, "user"));

        foreach (var id in new[] { Db, other })
        {
            var observed = (await _fixture.ObserveAsync(id)).ShouldNotBeNull();
            observed.KeyHashes.Keys.ShouldBe(["password"]);
            observed.ActualDataHash.ShouldNotBe(observed.Stamp!.DataHash);
        }
    }

    [Fact]
    public async Task Drift_WholeDirectoryDeleted_IsNoLongerObserved()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.ObserveAsync(Db);

        Directory.Delete(_fixture.SecretDirectory(Db), recursive: true);

        (await _fixture.ObserveAsync(Db)).ShouldBeNull();
    }

    [Fact]
    public async Task Drift_AfterUpdateRepairsIt_ObservesCleanAgain()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p", ["user"] = "u" });
        File.WriteAllText(_fixture.KeyPath(Db, "extra"), "added by someone");
        File.Delete(_fixture.KeyPath(Db, "user"));
        (await _fixture.ObserveAsync(Db))!.KeyHashes.Keys.Order(StringComparer.Ordinal).ShouldBe(["extra", "password"]);

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p", ["user"] = "u" }, WriteMode.Update);

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.ActualDataHash.ShouldBe(observed.Stamp!.DataHash);
        Path.Exists(_fixture.KeyPath(Db, "extra")).ShouldBeFalse();
    }

    [Fact]
    public async Task CachedObservation_StillSeesReplacedAndResizedFiles()
    {
        // A clock far ahead makes every file "settled", so the hash cache is trusted and used.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1));
        using var fixture = new DirectoryTargetFixture(time: clock);
        var other = new SecretId("payments", "other");
        await fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" });
        await fixture.WriteAsync(other, new Dictionary<string, string> { ["password"] = "p1" });
        (await fixture.ObserveAsync(Db))!.ActualDataHash.ShouldBe((await fixture.ObserveAsync(Db))!.Stamp!.DataHash);

        var replacement = fixture.Temp.Write("replacement", "p2");
        File.Move(replacement, Path.Combine(fixture.CurrentGenerationPath(Db), "password"), overwrite: true);
        File.WriteAllText(fixture.KeyPath(other, "password"), "longer value");

        (await fixture.ObserveAsync(Db))!.KeyHashes["password"].ShouldBe(SecretHashes.KeyHash("p2"u8), "a new inode must be re-hashed");
        (await fixture.ObserveAsync(other))!.KeyHashes["password"].ShouldBe(SecretHashes.KeyHash("longer value"u8), "a new size must be re-hashed");
    }

    [Fact]
    public async Task RacyObservation_SameSizeEditRightAfterAnObservation_IsSeen()
    {
        // With the real clock a just-written file is not trusted to the cache (its time stamps may not
        // move for an edit within the same clock tick), so an immediate same-size edit is still seen.
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" });
        await _fixture.ObserveAsync(Db);

        File.WriteAllText(_fixture.KeyPath(Db, "password"), "p2");

        (await _fixture.ObserveAsync(Db))!.KeyHashes["password"].ShouldBe(SecretHashes.KeyHash("p2"u8));
    }

    [Fact]
    public async Task BrokenSidecar_IsOursWithoutStamp_AndRewrittenByAnUpdate()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        var sidecar = Path.Combine(_fixture.CurrentGenerationPath(Db), "..gitops-secrets.json");
        File.WriteAllText(sidecar, "{ not json");

        var observed = (await _fixture.ObserveAsync(Db)).ShouldNotBeNull();
        observed.Managed.ShouldBeTrue();
        observed.Stamp.ShouldBeNull();
        observed.ActualDataHash.ShouldBe(SecretHashes.DataHash(new Dictionary<string, byte[]> { ["password"] = "p"u8.ToArray() }));

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" }, WriteMode.Update);

        (await _fixture.ObserveAsync(Db))!.Stamp.ShouldNotBeNull();
    }

    [Fact]
    public async Task Immutable_NewDataFailsUnlessRecreate()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" }, immutable: true);

        var refused = await Should.ThrowAsync<TargetException>(() =>
            _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }, WriteMode.Update, immutable: true));
        refused.Message.ShouldContain("payments/db");
        refused.Message.ShouldContain("immutable");
        refused.Message.ShouldNotContain(Planted);
        _fixture.Read(Db, "password").ShouldBe("p1");
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" }, WriteMode.Update, immutable: false));

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" }, WriteMode.Update, immutable: true, sealedHash: "sha256:resealed");
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p2" }, WriteMode.Recreate, immutable: true);

        _fixture.Read(Db, "password").ShouldBe("p2");
        (await _fixture.ObserveAsync(Db))!.Immutable.ShouldBeTrue();
    }

    [Fact]
    public async Task Create_OverAnExistingSecretOfOurs_UpdatesIt()
    {
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p1" });

        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p2" }, WriteMode.Create);

        _fixture.Read(Db, "password").ShouldBe("p2");
    }

    [Fact]
    public async Task IoFailure_SurfacesAsTargetExceptionNamingThePath()
    {
        _fixture.Temp.Write("root", "a file where the root directory should be");

        var write = await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = Planted }));
        var observe = await Should.ThrowAsync<TargetException>(() => _fixture.Target.ObserveAsync(null, [], CancellationToken.None));

        write.Message.ShouldContain("payments/db");
        write.Message.ShouldContain(_fixture.Root);
        write.Message.ShouldNotContain(Planted);
        observe.Message.ShouldContain(_fixture.Root);
    }

    [Fact]
    public async Task InvalidNames_AreRefusedBeforeTouchingDisk()
    {
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(new SecretId("..", "db"), new Dictionary<string, string> { ["k"] = "v" }));
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["..data"] = "v" }));
        await Should.ThrowAsync<TargetException>(() => _fixture.WriteAsync(Db, new Dictionary<string, string> { ["a/b"] = "v" }));

        Path.Exists(_fixture.Root).ShouldBeFalse();
    }

    [Fact]
    public async Task Observe_OnlyTheGivenNamespaces_AndNothingWhenTheRootIsMissing()
    {
        (await _fixture.Target.ObserveAsync(null, [Db], CancellationToken.None)).ShouldBeEmpty();
        var other = new SecretId("billing", "db");
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        await _fixture.WriteAsync(other, new Dictionary<string, string> { ["password"] = "p" });

        var billing = await _fixture.Target.ObserveAsync(["billing"], [], CancellationToken.None);
        var all = await _fixture.NewTarget().ObserveAsync(null, [], CancellationToken.None);

        billing.Select(o => o.Id).ShouldBe([other]);
        all.Select(o => o.Id).OrderBy(i => i.Namespace, StringComparer.Ordinal).ShouldBe([other, Db]);
    }

    [Fact]
    public async Task Observe_NamespaceThatIsNotAName_NeverLooksOutsideTheRoot()
    {
        var outside = new SecretId("outside", "db");
        await _fixture.WriteAsync(Db, new Dictionary<string, string> { ["password"] = "p" });
        var elsewhere = new DirectoryTarget("elsewhere", Path.Combine(_fixture.Root, "payments"));

        var observed = await elsewhere.ObserveAsync(["..", "../payments", "."], [new SecretId("..", "payments"), outside], CancellationToken.None);

        observed.ShouldBeEmpty();
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in Directory.GetFileSystemEntries(from))
        {
            var target = Path.Combine(to, Path.GetFileName(entry));
            var info = new FileInfo(entry);
            if (info.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (Directory.Exists(entry))
            {
                CopyDirectory(entry, target);
            }
            else
            {
                File.Copy(entry, target);
            }
        }
    }
}
