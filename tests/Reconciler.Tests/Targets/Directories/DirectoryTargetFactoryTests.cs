using GitOpsSecrets.Cli;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Targets;
using GitOpsSecrets.Targets.Directories;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.Targets.Directories;

public sealed class DirectoryTargetFactoryTests
{
    private readonly DirectoryTargetFactory _factory = new(TimeProvider.System);

    [Fact]
    public void Create_WithoutRoot_NamesTheTarget()
    {
        var error = Should.Throw<InputException>(() => _factory.Create(new TargetConfiguration { Name = "files", Kind = "directory" }));

        error.Message.ShouldBe("target files: root is required");
    }

    [Theory]
    [InlineData("0999")]
    [InlineData("rw-r--r--")]
    [InlineData("04400")]
    [InlineData("0200")]
    [InlineData("")]
    public void Create_BadFileMode_NamesTheField(string mode)
    {
        var error = Should.Throw<InputException>(() => _factory.Create(new TargetConfiguration { Name = "files", Kind = "directory", Root = "/tmp/x", FileMode = mode }));

        error.Message.ShouldStartWith("target files: fileMode");
    }

    [Theory]
    [InlineData("password", "0777x")]
    [InlineData("a/b", "0400")]
    [InlineData("..data", "0400")]
    public void Create_BadKeyMode_NamesTheEntry(string key, string mode)
    {
        var error = Should.Throw<InputException>(() => _factory.Create(new TargetConfiguration
        {
            Name = "files",
            Kind = "directory",
            Root = "/tmp/x",
            KeyModes = new Dictionary<string, string> { [key] = mode },
        }));

        error.Message.ShouldStartWith($"target files: keyModes[\"{key}\"]");
    }

    [Fact]
    public void Create_ValidConfiguration_MakesADirectoryTargetWithItsModes()
    {
        var target = _factory.Create(new TargetConfiguration
        {
            Name = "files",
            Kind = "directory",
            Root = "/tmp/x",
            FileMode = "0o440",
            KeyModes = new Dictionary<string, string> { ["ns/app/tls.key"] = "600", ["ca.crt"] = "0444" },
        });

        var directory = target.ShouldBeOfType<DirectoryTarget>();
        directory.Name.ShouldBe("files");
        directory.Kind.ShouldBe("directory");
        directory.Root.ShouldBe("/tmp/x");
        var modes = FileModePolicy.FromConfiguration("files", "0o440", new Dictionary<string, string> { ["ns/app/tls.key"] = "600", ["ca.crt"] = "0444" });
        modes.For(new SecretId("ns", "app"), "tls.key").ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        modes.For(new SecretId("ns", "other"), "tls.key").ShouldBe(UnixFileMode.UserRead | UnixFileMode.GroupRead);
        modes.For(new SecretId("ns", "other"), "ca.crt").ShouldBe(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    [Fact]
    public void CliServices_RegisterTheDirectoryKindOnce()
    {
        var host = new CliHost { OpenStandardInput = () => Stream.Null, Out = TextWriter.Null, Error = TextWriter.Null, Environment = new Dictionary<string, string>() };
        using var services = host.CreateServices(CryptoEngine.Auto);
        services.GetServices<ITargetFactory>().Where(f => f.Kind == "directory").ShouldHaveSingleItem().ShouldBeOfType<DirectoryTargetFactory>();

        var collection = new ServiceCollection().AddDirectoryTarget().AddDirectoryTarget();
        collection.Count(d => d.ServiceType == typeof(ITargetFactory)).ShouldBe(1);
    }
}
