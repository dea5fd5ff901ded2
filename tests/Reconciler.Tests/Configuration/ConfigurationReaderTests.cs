using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Configuration;

public sealed class ConfigurationReaderTests
{
    private static WorkerConfiguration Read(string yaml) => ConfigurationReader.Read(ManifestReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(yaml), "cfg.yaml"));

    private static string Fails(string yaml) => Should.Throw<ManifestException>(() => Read(yaml)).Message;

    [Fact]
    public void Read_Minimal_TakesTheDefaults()
    {
        var configuration = Read("source:\n  url: /repo\n");

        configuration.Source.Url.ShouldBe("/repo");
        configuration.Source.Ref.ShouldBe("HEAD");
        configuration.Source.Paths.ShouldBeEmpty();
        configuration.Source.Interval.ShouldBe(TimeSpan.FromMinutes(1));
        configuration.Keys.RenewPeriod.ShouldBe(TimeSpan.FromHours(720));
        configuration.Keys.CutoffTime.ShouldBeNull();
        configuration.Targets.ShouldBeEmpty();
        configuration.Worker.Listen.ShouldBe("http://0.0.0.0:8080");
        configuration.Worker.LeaderElect.ShouldBeFalse();
        configuration.Worker.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(15));
        configuration.Worker.Jitter.ShouldBe(0.1);
        configuration.Worker.SyncTimeout.ShouldBe(TimeSpan.FromMinutes(10), "the documented default");
    }

    [Fact]
    public void Read_EveryField_IsRead()
    {
        var configuration = Read("""
            source:
              url: https://git.example.com/repo.git
              ref: main
              paths: [clusters/prod, platform]
              interval: 1m30s
              cacheDir: /cache
              auth: {tokenFile: /t, username: bot, sshKeyFile: /k, knownHostsFile: /h}
            keys:
              directory: /keys
              clusterNamespace: kube-system
              kubeconfig: /kc
              context: ctx
              renewPeriod: 0
              cutoffTime: 2026-11-23T00:00:00Z
            targets:
            - name: files
              kind: directory
              root: /out
              prune: false
              fileMode: "0440"
              keyModes: {a: "0400", b: "0444"}
              paths: [x]
            - name: cluster
              kind: kubernetes
              kubeconfig: /kc2
              context: c2
              forceConflicts: true
              createNamespaces: yes
            worker:
              listen: http://127.0.0.1:9090
              leaderElect: true
              leaseName: lease
              leaseNamespace: ns
              leaseDuration: 30s
              jitter: 0
              syncHookTokenFile: /hook
              syncTimeout: 2m
            """);

        configuration.Source.Paths.ShouldBe(["clusters/prod", "platform"]);
        configuration.Source.Interval.ShouldBe(TimeSpan.FromSeconds(90));
        configuration.Source.Auth.KnownHostsFile.ShouldBe("/h");
        configuration.Keys.RenewPeriod.ShouldBe(TimeSpan.Zero);
        configuration.Keys.CutoffTime.ShouldBe(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        configuration.Targets.Count.ShouldBe(2);
        configuration.Targets[0].Prune.ShouldBeFalse();
        configuration.Targets[0].KeyModes["b"].ShouldBe("0444");
        configuration.Targets[1].Prune.ShouldBeTrue();
        configuration.Targets[1].CreateNamespaces.ShouldBeTrue();
        configuration.Targets[1].ForceConflicts.ShouldBeTrue();
        configuration.Worker.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(30));
        configuration.Worker.Jitter.ShouldBe(0);
        configuration.Worker.SyncTimeout.ShouldBe(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void Read_WholeNumberWhereAStringIsExpected_IsTakenAsText()
    {
        Read("source:\n  ref: 1234\n").Source.Ref.ShouldBe("1234");
        Read("targets:\n- name: a\n  fileMode: 400\n  keyModes: {k: 440}\n").Targets[0].KeyModes["k"].ShouldBe("440");
    }

    [Theory]
    [InlineData("source:\n  ref: 1.10\n", "cfg.yaml:2 (document 1): source.ref must be a string (quote it: YAML reads it as a number)")]
    [InlineData("source:\n  ref: 0123456\n", "cfg.yaml:2 (document 1): source.ref must be a string (quote it: YAML reads it as a number)")]
    [InlineData("source:\n  ref: 1e3\n", "cfg.yaml:2 (document 1): source.ref must be a string (quote it: YAML reads it as a number)")]
    [InlineData("targets:\n- name: a\n  fileMode: 0440\n", "cfg.yaml:3 (document 1): targets[0].fileMode must be a string (quote it: YAML reads it as a number)")]
    [InlineData("targets:\n- name: a\n  keyModes: {k: 0440}\n", "cfg.yaml:3 (document 1): targets[0].keyModes.k must be a string (quote it: YAML reads it as a number)")]
    public void Read_NumberYamlHasRewritten_IsRefusedNotSilentlyChanged(string yaml, string expected)
    {
        // YAML reads 1.10 as 1.1 and 0123456 as 123456: taking the number's text would change a tag or commit.
        Fails(yaml).ShouldBe(expected);
    }

    [Theory]
    [InlineData("sourc: x\n", "cfg.yaml:1 (document 1): unknown field \"sourc\" (known here: keys, notifications, source, sources, targets, worker)")]
    [InlineData("source:\n  url: x\n  urll: y\n", "cfg.yaml:3 (document 1): unknown field \"source.urll\" (known here: auth, cacheDir, interval, paths, ref, url, verify)")]
    [InlineData("source:\n  auth:\n    token: t\n", "cfg.yaml:3 (document 1): unknown field \"source.auth.token\" (known here: knownHostsFile, sshKeyFile, tokenFile, username)")]
    [InlineData("targets:\n- name: a\n  kind: directory\n  rooot: /x\n", "cfg.yaml:4 (document 1): unknown field \"targets[0].rooot\" (known here: context, createNamespaces, fileMode, forceConflicts, keyModes, kind, kubeconfig, name, namespaces, onChange, paths, prune, restartWorkloads, root)")]
    [InlineData("worker:\n  port: 1\n  host: x\n", "cfg.yaml:2 (document 1): unknown field \"worker.port\", \"worker.host\" (known here: jitter, leaderElect, leaseDuration, leaseName, leaseNamespace, listen, syncHookTokenFile, syncTimeout, ui)")]
    [InlineData("keys:\n  dir: /k\n", "cfg.yaml:2 (document 1): unknown field \"keys.dir\" (known here: clusterNamespace, context, cutoffTime, deleteRetiredAfter, directory, kubeconfig, publishCertificate, renewPeriod, retireAfter)")]
    public void Read_UnknownField_IsNamedWithItsPathAndTheKnownOnes(string yaml, string expected)
    {
        Fails(yaml).ShouldBe(expected);
    }

    [Theory]
    [InlineData("source: 5\n", "cfg.yaml:1 (document 1): source must be a mapping")]
    [InlineData("source:\n  paths: x\n", "cfg.yaml:2 (document 1): source.paths must be a list of strings")]
    [InlineData("source:\n  paths: [a, 1]\n", "cfg.yaml:2 (document 1): source.paths[1] must be a string")]
    [InlineData("source:\n  url: [a]\n", "cfg.yaml:2 (document 1): source.url must be a string")]
    [InlineData("source:\n  interval: 5 minutes\n", "cfg.yaml:2 (document 1): source.interval \"5 minutes\" is not a duration (examples: 30s, 5m, 720h)")]
    [InlineData("source:\n  interval: 5\n", "cfg.yaml:2 (document 1): source.interval \"5\" is not a duration (examples: 30s, 5m, 720h)")]
    [InlineData("keys:\n  cutoffTime: yesterday\n", "cfg.yaml:2 (document 1): keys.cutoffTime \"yesterday\" is not a date and time (example: 2026-11-23T00:00:00Z)")]
    [InlineData("targets: {}\n", "cfg.yaml:1 (document 1): targets must be a list")]
    [InlineData("targets:\n- x\n", "cfg.yaml:2 (document 1): targets[0] must be a mapping")]
    [InlineData("targets:\n- name: a\n  prune: maybe\n", "cfg.yaml:3 (document 1): targets[0].prune must be true or false")]
    [InlineData("targets:\n- name: a\n  keyModes: [1]\n", "cfg.yaml:3 (document 1): targets[0].keyModes must be a mapping")]
    [InlineData("targets:\n- name: a\n  keyModes:\n    k: [1]\n", "cfg.yaml:4 (document 1): targets[0].keyModes.k must be a string")]
    [InlineData("worker:\n  jitter: lots\n", "cfg.yaml:2 (document 1): worker.jitter must be a number")]
    [InlineData("worker:\n  leaderElect: \"true\"\n", "cfg.yaml:2 (document 1): worker.leaderElect must be true or false")]
    public void Read_WrongType_NamesFieldAndLine(string yaml, string expected)
    {
        Fails(yaml).ShouldBe(expected);
    }

    [Fact]
    public void Read_NotAMapping_IsAnError()
    {
        Fails("- a\n").ShouldBe("cfg.yaml:1 (document 1): the configuration must be a mapping");
    }

    [Fact]
    public void ReadFile_MissingEmptyAndMultiDocumentFiles_AreErrors()
    {
        using var temp = new TempDirectory();
        var missing = temp.File("none.yaml");

        Should.Throw<InputException>(() => ConfigurationReader.ReadFile(missing)).Message.ShouldBe($"{missing}: no such configuration file");
        var empty = temp.Write("empty.yaml", "# nothing\n");
        Should.Throw<ManifestException>(() => ConfigurationReader.ReadFile(empty)).Message.ShouldBe($"{empty} (document 1): no document found");
        var two = temp.Write("two.yaml", "source: {}\n---\nkeys: {}\n");
        Should.Throw<ManifestException>(() => ConfigurationReader.ReadFile(two)).Message.ShouldBe($"{two} (document 2): expected one document, found 2");
    }

    [Fact]
    public void ReadFile_Json_IsAcceptedToo()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("cfg.json", "{\"source\": {\"url\": \"/r\", \"interval\": \"2m\"}}");

        var configuration = ConfigurationReader.ReadFile(path);

        configuration.Source.Interval.ShouldBe(TimeSpan.FromMinutes(2));
    }
}
