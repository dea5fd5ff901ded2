using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Tests.Configuration;

public sealed class ConfigurationValidatorTests
{
    private static WorkerConfiguration Valid() => new()
    {
        Source = new SourceConfiguration { Url = "/repo" },
        Keys = new KeysConfiguration { Directory = "/keys" },
        Targets = [new TargetConfiguration { Name = "files", Kind = "directory", Root = "/out" }],
    };

    private static string Fails(WorkerConfiguration configuration) =>
        Should.Throw<InputException>(() => ConfigurationValidator.Validate(configuration)).Message;

    [Fact]
    public void Validate_Complete_Passes()
    {
        Should.NotThrow(() => ConfigurationValidator.Validate(Valid()));
    }

    [Fact]
    public void Validate_Empty_ListsEveryProblemOnOneLine()
    {
        var message = Fails(new WorkerConfiguration());

        message.ShouldBe("invalid configuration: source.url (--repo) is required; "
            + "a key store is required: keys.directory or keys.clusterNamespace (--keys PATH or --keys cluster:NAMESPACE); "
            + "at least one target is required (targets, or --target directory:ROOT / --target kubernetes[:CONTEXT])");
    }

    [Fact]
    public void Validate_SourceProblems()
    {
        var configuration = Valid();
        configuration.Source.Ref = " ";
        configuration.Source.Interval = TimeSpan.Zero;

        Fails(configuration).ShouldBe("invalid configuration: source.ref (--ref) must not be empty; source.interval (--interval) must be positive");
    }

    [Fact]
    public void Validate_NegativeRenewPeriod_IsRefused_ZeroIsFine()
    {
        var configuration = Valid();
        configuration.Keys.RenewPeriod = TimeSpan.Zero;
        Should.NotThrow(() => ConfigurationValidator.Validate(configuration));

        configuration.Keys.RenewPeriod = TimeSpan.FromHours(-1);
        Fails(configuration).ShouldBe("invalid configuration: keys.renewPeriod (--key-renew-period) must not be negative");
    }

    [Fact]
    public void Validate_ClusterKeyStore_IsAKeyStore()
    {
        var configuration = Valid();
        configuration.Keys = new KeysConfiguration { ClusterNamespace = "kube-system" };

        Should.NotThrow(() => ConfigurationValidator.Validate(configuration));
    }

    [Fact]
    public void Validate_TargetProblems_NameTheTarget()
    {
        var configuration = Valid();
        configuration.Targets =
        [
            new TargetConfiguration { Kind = "kubernetes" },
            new TargetConfiguration { Name = "dir", Kind = "directory" },
            new TargetConfiguration { Name = "weird", Kind = "s3" },
            new TargetConfiguration { Name = "k", Kind = "kubernetes" },
            new TargetConfiguration { Name = "k", Kind = "kubernetes" },
        ];

        Fails(configuration).ShouldBe("invalid configuration: targets[0]: name is required; "
            + "target dir: root is required for a directory target; "
            + "target weird: kind must be directory or kubernetes, not \"s3\"; "
            + "target name \"k\" is used more than once");
    }
}
