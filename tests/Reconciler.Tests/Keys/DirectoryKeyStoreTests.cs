using GitOpsSecrets.IO;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Keys;

public sealed class DirectoryKeyStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void Dispose(KeyLoadResult result)
    {
        foreach (var key in result.Keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public async Task AddAsync_WritesAnOwnerOnlyKeySecretThatLoadsBack()
    {
        var store = new DirectoryKeyStore(_temp.Path);
        using var key = SmallKeys.Load(SmallKeys.First, "generated");

        var name = await store.AddAsync(key, CancellationToken.None);

        name.ShouldMatch("^sealed-secrets-key[a-z0-9]{5}$");
        var file = Path.Combine(_temp.Path, name + ".yaml");
        File.GetUnixFileMode(file).ShouldBe(AtomicFile.OwnerOnly);
        var text = await File.ReadAllTextAsync(file);
        text.ShouldContain("sealedsecrets.bitnami.com/sealed-secrets-key: active");
        text.ShouldContain("type: kubernetes.io/tls");

        var loaded = await store.LoadAsync(CancellationToken.None);
        loaded.Problems.ShouldBeEmpty();
        loaded.Keys.Single().Name.ShouldBe(name);
        loaded.Keys.Single().Fingerprint.ShouldBe(key.Fingerprint);
        loaded.Keys.Single().CanUnseal.ShouldBeTrue();
        Dispose(loaded);
        store.Description.ShouldBe($"directory {_temp.Path}");
    }

    [Fact]
    public async Task AddAsync_TwiceThenLoad_KeepsBoth()
    {
        var store = new DirectoryKeyStore(_temp.Path);
        using (var first = SmallKeys.Load(SmallKeys.First, "a"))
        using (var second = SmallKeys.Load(SmallKeys.Second, "b"))
        {
            await store.AddAsync(first, CancellationToken.None);
            await store.AddAsync(second, CancellationToken.None);
        }

        var loaded = store.Load();
        using var ring = new KeyRing(loaded.Keys);

        ring.Count.ShouldBe(2);
        ring.Newest!.Fingerprint.ShouldBe(SmallKeys.Second.Fingerprint);
    }

    [Theory]
    [InlineData("k.key", "k.crt")]
    [InlineData("k.key.pem", "k.crt.pem")]
    [InlineData("k.key.pem", "k.cert.pem")]
    [InlineData("k.key", "k.cert")]
    public void Load_PemPair_IsJoinedIntoOneKey(string keyFile, string certificateFile)
    {
        _temp.Write(keyFile, SmallKeys.Third.PrivateKey);
        _temp.Write(certificateFile, SmallKeys.Third.Certificate);

        var loaded = new DirectoryKeyStore(_temp.Path).Load();

        loaded.Problems.ShouldBeEmpty();
        var key = loaded.Keys.Single();
        key.CanUnseal.ShouldBeTrue();
        key.Certificate.ShouldNotBeNull();
        Dispose(loaded);
    }

    [Fact]
    public void Load_MixedContent_ReadsKeysReportsBrokenFilesIgnoresOthers()
    {
        _temp.Write("a.key", SmallKeys.First.PrivateKey);
        _temp.Write("a.crt", SmallKeys.First.Certificate);
        _temp.Write("broken.yaml", "kind: Secret\nmetadata: {name: broken}\ndata: {}\n");
        _temp.Write("README.md", "not a key");
        _temp.Write("sub/b.key", SmallKeys.Second.PrivateKey);

        var loaded = new DirectoryKeyStore(_temp.Path).Load();

        loaded.Keys.Single().Fingerprint.ShouldBe(SmallKeys.First.Fingerprint);
        loaded.Problems.ShouldBe([$"{_temp.File("broken.yaml")}:1 (document 1): Secret broken has no tls.key, skipped"]);
        Dispose(loaded);
    }

    [Theory]
    [InlineData("gone.yaml")]
    [InlineData("gone.key")]
    [InlineData("gone.pem")]
    public void Load_UnreadableFile_IsReportedAndTheOthersStillLoad(string name)
    {
        _temp.Write("good.key", SmallKeys.First.PrivateKey);
        File.CreateSymbolicLink(_temp.File(name), _temp.File("does-not-exist"));

        var loaded = new DirectoryKeyStore(_temp.Path).Load();

        loaded.Keys.Single().Fingerprint.ShouldBe(SmallKeys.First.Fingerprint);
        loaded.Problems.Single().ShouldStartWith(_temp.File(name));
        Dispose(loaded);
    }

    [Fact]
    public void Load_MissingDirectory_IsAnInputError()
    {
        var missing = _temp.File("nope");

        Should.Throw<InputException>(() => new DirectoryKeyStore(missing).Load()).Message.ShouldBe($"key directory {missing} does not exist");
    }

    [Fact]
    public void Load_EmptyDirectory_HasNoKeysAndNoProblems()
    {
        var loaded = new DirectoryKeyStore(_temp.Path).Load();

        loaded.Keys.ShouldBeEmpty();
        loaded.Problems.ShouldBeEmpty();
    }

    [Fact]
    public void KeyPaths_Load_FilesAndDirectoriesAndMissingPaths()
    {
        var file = _temp.Write("single.pem", SmallKeys.Second.Certificate + SmallKeys.Second.PrivateKey);
        _temp.Write("dir/x.key", SmallKeys.First.PrivateKey);
        var missing = _temp.File("missing");

        var loaded = KeyPaths.Load([file, _temp.File("dir")]);
        loaded.Keys.Count.ShouldBe(2);
        Dispose(loaded);

        Should.Throw<InputException>(() => KeyPaths.Load([missing])).Message.ShouldBe($"{missing}: no such key file or directory");
    }

    [Fact]
    public async Task PathKeyStore_AFile_IsReadOnly()
    {
        var file = _temp.Write("single.pem", SmallKeys.Second.Certificate + SmallKeys.Second.PrivateKey);
        var store = new PathKeyStore(file);
        using var key = SmallKeys.Load(SmallKeys.First, "k");

        store.Description.ShouldBe($"file {file}");
        (await store.LoadAsync(CancellationToken.None)).Keys.Count.ShouldBe(1);
        (await Should.ThrowAsync<InputException>(() => store.AddAsync(key, CancellationToken.None))).Message
            .ShouldBe($"cannot add a key to {file}: it is a file, not a key directory");
    }
}
