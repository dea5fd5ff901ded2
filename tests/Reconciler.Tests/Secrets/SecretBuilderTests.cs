using System.Text;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Secrets;

public sealed class SecretBuilderTests : IDisposable
{
    private const string Planted = "PLANTED-s3cr3t-VALUE";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Text(Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    [Fact]
    public void New_SetsNameNamespaceAndDefaultType()
    {
        var secret = new SecretBuilder("app", "web").Build();

        secret.Metadata.QualifiedName.ShouldBe("web/app");
        secret.Type.ShouldBe("Opaque");
        new SecretBuilder("a", null, string.Empty).Build().Type.ShouldBe("Opaque");
        new SecretBuilder("a", null, "example.com/x").Build().Type.ShouldBe("example.com/x");
    }

    [Theory]
    [InlineData("a=b", "a", "b")]
    [InlineData("a=b=c", "a", "b=c")]
    [InlineData("a=", "a", "")]
    [InlineData("url=https://x/?q=1", "url", "https://x/?q=1")]
    public void AddLiteral_SplitsAtTheFirstEquals(string literal, string key, string value)
    {
        Text(new SecretBuilder("a", "b").AddLiteral(literal).Build(), key).ShouldBe(value);
    }

    [Theory]
    [InlineData(Planted, "--from-literal: expected key=value, and this argument has no '=' (it is not shown: it may be a secret value)")]
    [InlineData("=" + Planted, "--from-literal: expected key=value, and the key before '=' is empty (the value is not shown)")]
    public void AddLiteral_WithoutKey_IsAnErrorWithoutTheValue(string literal, string expected)
    {
        // The first case is `seal --from-literal VALUE` with KEY= forgotten: the argument is the value itself.
        var error = Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddLiteral(literal));

        error.Message.ShouldBe(expected);
        error.Message.ShouldNotContain(Planted, customMessage: "the argument of a --from-literal without '=' may be the value itself");
    }

    [Fact]
    public void AddLiteral_InvalidKey_NamesKeyAndRuleButNotValue()
    {
        var error = Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddLiteral("bad key=" + Planted));

        error.Message.ShouldBe($"--from-literal: \"bad key\" is not a valid key name: {KubernetesNames.DataKeyRule}");
    }

    [Fact]
    public void AddLiteral_DuplicateKey_IsAnError()
    {
        var builder = new SecretBuilder("a", "b").AddLiteral("k=1");

        Should.Throw<InputException>(() => builder.AddLiteral("k=" + Planted)).Message
            .ShouldBe("--from-literal: cannot add key \"k\", another key by that name already exists");
    }

    [Fact]
    public void AddFile_KeyDefaultsToTheFileName()
    {
        var path = _temp.Write("config.json", "{}");

        var secret = new SecretBuilder("a", "b").AddFile(path).AddFile("other=" + path).Build();

        secret.Data.Keys.ShouldBe(["config.json", "other"]);
        Text(secret, "other").ShouldBe("{}");
    }

    [Fact]
    public void AddFile_KeepsBytesExactly()
    {
        var path = _temp.File("bin");
        byte[] bytes = [0, 0xff, 0x0a, 0x0d, 0x80];
        File.WriteAllBytes(path, bytes);

        new SecretBuilder("a", "b").AddFile(path).Build().Data["bin"].ShouldBe(bytes);
    }

    [Fact]
    public void AddFile_Directory_AddsEachRegularFileInOrder()
    {
        _temp.Write("dir/b.txt", "B");
        _temp.Write("dir/a.txt", "A");
        _temp.Write("dir/sub/c.txt", "C");

        var secret = new SecretBuilder("a", "b").AddFile(_temp.File("dir")).Build();

        secret.Data.Keys.ShouldBe(["a.txt", "b.txt"]);
        Text(secret, "a.txt").ShouldBe("A");
    }

    [Fact]
    public void AddFile_DirectoryWithKey_IsAnError()
    {
        Directory.CreateDirectory(_temp.File("dir"));
        var source = "k=" + _temp.File("dir");

        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddFile(source)).Message
            .ShouldBe($"--from-file \"{source}\": a key cannot be given for a directory");
    }

    [Fact]
    public void AddFile_DirectoryWithBadFileName_NamesTheFile()
    {
        var bad = _temp.Write("dir/bad name", "x");

        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddFile(_temp.File("dir"))).Message
            .ShouldBe($"--from-file {bad}: \"bad name\" is not a valid key name: {KubernetesNames.DataKeyRule}");
    }

    [Fact]
    public void AddFile_Missing_IsAnError()
    {
        var missing = _temp.File("missing");

        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddFile(missing)).Message
            .ShouldBe($"--from-file: {missing}: no such file or directory");
    }

    [Theory]
    [InlineData("=path")]
    [InlineData("key=")]
    [InlineData("")]
    public void AddFile_MalformedSource_IsAnError(string source)
    {
        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddFile(source)).Message
            .ShouldBe($"--from-file \"{source}\": expected [key=]path");
    }

    [Fact]
    public void AddFile_DuplicateOfALiteral_IsAnError()
    {
        var path = _temp.Write("k", "x");

        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddLiteral("k=1").AddFile(path)).Message
            .ShouldBe($"--from-file {path}: cannot add key \"k\", another key by that name already exists");
    }

    [Fact]
    public void AddEnvFile_FollowsKubectlRules()
    {
        var path = _temp.Write(".env", "\uFEFF# comment\n\nA=1\n  B=two words \nC=x=y\nFROM_ENV\nNOT_SET\nEMPTY=\n");
        var environment = new Dictionary<string, string> { ["FROM_ENV"] = "env-value" };

        var secret = new SecretBuilder("a", "b").AddEnvFile(path, environment.GetValueOrDefault).Build();

        secret.Data.Keys.ShouldBe(["A", "B", "C", "EMPTY", "FROM_ENV", "NOT_SET"]);
        Text(secret, "NOT_SET").ShouldBe(string.Empty);
        Text(secret, "A").ShouldBe("1");
        Text(secret, "B").ShouldBe("two words ");
        Text(secret, "C").ShouldBe("x=y");
        Text(secret, "EMPTY").ShouldBe(string.Empty);
        Text(secret, "FROM_ENV").ShouldBe("env-value");
    }

    [Theory]
    [InlineData("1ABC=x")]
    [InlineData("A B=x")]
    [InlineData("=x")]
    [InlineData(Planted + "+/==")]
    public void AddEnvFile_InvalidName_NamesFileAndLineButNotTheText(string line)
    {
        var path = _temp.Write("bad.env", "OK=1\n" + line + "\n");

        var error = Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddEnvFile(path, _ => null));

        error.Message.ShouldBe($"{path}:2: the name before '=' is not a valid environment variable name (letters, digits, '_', '-', '.', not starting with a digit; the line is not shown: it may hold a secret value)");
        error.Message.ShouldNotContain(Planted, customMessage: "a base64 value pasted without KEY= has an '=' of its own");
    }

    [Fact]
    public void AddEnvFile_ValuePastedWithoutItsKey_IsAnErrorThatDoesNotEchoTheLine()
    {
        var path = _temp.Write("pasted.env", "OK=1\n" + Planted + "+/\n");

        var error = Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddEnvFile(path, _ => null));

        error.Message.ShouldBe($"{path}:2: expected KEY=VALUE or a variable name, and this line is neither (it is not shown: it may be a secret value)");
        error.Message.ShouldNotContain(Planted, customMessage: "a line without '=' may be the value itself");
    }

    [Fact]
    public void AddEnvFile_DuplicateKey_NamesTheLine()
    {
        var path = _temp.Write("dup.env", "A=1\nA=" + Planted + "\n");

        var error = Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddEnvFile(path, _ => null));

        error.Message.ShouldBe($"{path}:2: cannot add key \"A\", another key by that name already exists");
        error.Message.ShouldNotContain(Planted);
    }

    [Fact]
    public void AddEnvFile_Missing_IsAnError()
    {
        var missing = _temp.File("none.env");

        Should.Throw<InputException>(() => new SecretBuilder("a", "b").AddEnvFile(missing, _ => null)).Message
            .ShouldBe($"--from-env-file: {missing}: no such file");
    }

    [Fact]
    public void Build_ReturnsACopy()
    {
        var builder = new SecretBuilder("a", "b").AddLiteral("k=v");
        var first = builder.Build();
        first.Data["k"][0] = (byte)'X';

        Text(builder.Build(), "k").ShouldBe("v");
    }
}
