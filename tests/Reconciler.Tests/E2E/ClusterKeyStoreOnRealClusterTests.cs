using System.Security.Cryptography.X509Certificates;
using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// The cluster key store in Bitnami's layout against a real API server: labelled kubernetes.io/tls key
/// Secrets in the worker's namespace, the legacy <c>sealed-secrets-key</c>, compromised and malformed keys,
/// renewal by generateName, and <c>keys export</c>/<c>keys import</c> between namespaces.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class ClusterKeyStoreOnRealClusterTests
{
    private const string Planted = "planted-keystore-value-7c31";

    [RealClusterFact]
    public async Task ClusterKeys_BitnamiKeySecret_DecryptsTheSealedSecret()
    {
        await using var world = RealClusterWorker.Start();
        var keys = await world.NamespaceAsync("keys");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(keys);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await SyncAsync(world, keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        (await world.SecretValueAsync(apps, "db", "password")).ShouldBe(Planted, "the Bitnami key Secret in the key namespace opens the SealedSecret");
        result.All.ShouldNotContain(Planted, Case.Sensitive, "values never appear in output");
    }

    [RealClusterFact]
    public async Task ClusterKeys_LegacyKeyNameWithoutLabel_DecryptsTheSealedSecret()
    {
        await using var world = RealClusterWorker.Start();
        var keys = await world.NamespaceAsync("keys");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(keys, name: KeySecrets.NamePrefix, label: null);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await SyncAsync(world, keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        (await world.SecretValueAsync(apps, "db", "password")).ShouldBe(Planted, "very old controllers kept their one key as an unlabelled Secret named sealed-secrets-key");
        result.All.ShouldNotContain(Planted);
    }

    [RealClusterFact]
    public async Task ClusterKeys_KeyLabelledCompromised_IsNotUsed()
    {
        await using var world = RealClusterWorker.Start();
        var keys = await world.NamespaceAsync("keys");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(keys, label: KeySecrets.CompromisedValue);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await SyncAsync(world, keys);

        result.ExitCode.ShouldNotBe(ExitCodes.Success, "with its only key compromised nothing can be decrypted: " + result);
        (await world.ReadSecretAsync(apps, "db")).ShouldBeNull("a compromised key must not be used to decrypt");
        result.All.ShouldNotContain(Planted);
    }

    [RealClusterFact]
    public async Task ClusterKeys_MalformedKeySecret_IsReportedAndSkipped()
    {
        await using var world = RealClusterWorker.Start();
        var keys = await world.NamespaceAsync("keys");
        var apps = await world.NamespaceAsync("apps");
        await world.AddVectorKeyAsync(keys);
        await world.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "sealed-secrets-keybroken", Labels = new Dictionary<string, string> { [KeySecrets.KeyLabel] = KeySecrets.ActiveValue } },
                Type = "kubernetes.io/tls",
                Data = new Dictionary<string, byte[]> { ["tls.crt"] = "not a certificate"u8.ToArray(), ["tls.key"] = "not a key"u8.ToArray() },
            },
            keys);
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted });

        var result = await SyncAsync(world, keys);

        result.ExitCode.ShouldBe(ExitCodes.Success, "a malformed key Secret is skipped, not fatal: " + result);
        result.All.ShouldContain($"key skipped: Secret {keys}/sealed-secrets-keybroken", Case.Sensitive, "the malformed key Secret is reported by name: " + result);
        (await world.SecretValueAsync(apps, "db", "password")).ShouldBe(Planted, "the good key still decrypts");
        result.All.ShouldNotContain(Planted);
    }

    [RealClusterFact]
    public async Task ClusterKeys_Renewal_CreatesANewestKeySecretByGenerateName_AndKeepsTheOldOne()
    {
        await using var world = RealClusterWorker.Start();
        var keys = await world.NamespaceAsync("keys");
        var old = await world.AddVectorKeyAsync(keys);
        var oldNotBefore = Certificate(old).NotBefore;
        var config = world.WriteConfig("renew", $"""
            source:
              url: {world.Remote.BarePath}
              interval: 1h
              cacheDir: {world.Scratch("cache")}
            keys:
              clusterNamespace: {keys}
              kubeconfig: {world.Kubeconfig}
              renewPeriod: 1h
            targets:
              - name: none
                kind: directory
                root: {world.Scratch("out")}
            worker:
              listen: http://127.0.0.1:0
            """);
        world.Remote.Commit("empty", "README.md", "no secrets yet");

        // The vector key is older than the 1h period, so the worker makes a new key at start.
        var worker = world.StartProcess("renewer", "run", "--config", config);
        IList<V1Secret> found = [];
        await Poll.UntilAsync(
            async () => (found = await world.KeySecretsAsync(keys)).Count >= 2,
            RealClusterWorker.Patience,
            () => $"a second key Secret in {keys}; worker output:\n{worker}");

        var added = found.Single(s => s.Metadata.Name != old.Metadata.Name);
        added.Metadata.Name.ShouldStartWith(KeySecrets.NamePrefix, Case.Sensitive, "new keys are named by generateName sealed-secrets-key");
        added.Metadata.Name.Length.ShouldBe(KeySecrets.NamePrefix.Length + 5, "the API server completes generateName with five characters");
        added.Metadata.GenerateName.ShouldBe(KeySecrets.NamePrefix);
        added.Metadata.Labels[KeySecrets.KeyLabel].ShouldBe(KeySecrets.ActiveValue);
        added.Type.ShouldBe("kubernetes.io/tls");
        added.Data.Keys.ShouldBe(["tls.crt", "tls.key"], ignoreOrder: true);
        Certificate(added).NotBefore.ShouldBeGreaterThan(oldNotBefore, "the renewed key is the newest, so it seals");
        (await world.ReadSecretAsync(keys, old.Metadata.Name)).ShouldNotBeNull("renewal never deletes a key: old SealedSecrets must keep opening");

        // The worker serves the new certificate for sealing.
        using var http = new HttpClient();
        var served = await http.GetStringAsync(new Uri(await worker.UrlAsync(RealClusterWorker.Patience), "/v1/cert.pem"));
        served.Trim().ShouldBe(Encoding.ASCII.GetString(added.Data["tls.crt"]).Trim(), "/v1/cert.pem serves the newest key's certificate");
        worker.Output.ShouldNotContain("PRIVATE KEY", Case.Sensitive, "key material is never logged");
    }

    [RealClusterFact]
    public async Task KeysExportImport_BetweenClusterNamespaces_CopiesTheKeyPairsOnce()
    {
        await using var world = RealClusterWorker.Start();
        var source = await world.NamespaceAsync("from");
        var destination = await world.NamespaceAsync("to");
        var apps = await world.NamespaceAsync("apps");
        var original = await world.AddVectorKeyAsync(source);
        var exported = Path.Combine(world.Scratch("export"), "keys.yaml");
        var cli = new CliRunner();

        var export = await cli.RunAsync("keys", "export", "--keys", $"cluster:{source}", "--kubeconfig", world.Kubeconfig, "--output-file", exported);
        var import = await cli.RunAsync("keys", "import", exported, "--keys", $"cluster:{destination}", "--kubeconfig", world.Kubeconfig);
        var again = await cli.RunAsync("keys", "import", exported, "--keys", $"cluster:{destination}", "--kubeconfig", world.Kubeconfig);

        export.ExitCode.ShouldBe(ExitCodes.Success, export.ToString());
        File.GetUnixFileMode(exported).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "exported private keys are written owner-only");
        import.ExitCode.ShouldBe(ExitCodes.Success, import.ToString());
        again.ExitCode.ShouldBe(ExitCodes.Success, again.ToString());
        again.Stderr.ShouldContain("already in", Case.Sensitive, "a second import skips the key it already holds");
        var copied = (await world.KeySecretsAsync(destination)).ShouldHaveSingleItem("the key is imported once");
        copied.Metadata.Name.ShouldStartWith(KeySecrets.NamePrefix);
        copied.Type.ShouldBe("kubernetes.io/tls");
        copied.Data["tls.crt"].ShouldBe(original.Data["tls.crt"], "the same certificate");
        copied.Data["tls.key"].ShouldBe(original.Data["tls.key"], "the same private key");
        (export.All + import.All + again.All).ShouldNotContain("PRIVATE KEY", Case.Sensitive, "key material goes to the file only");

        // The imported key opens what the original sealed.
        world.Commit("apps/db.yaml", apps, "db", new Dictionary<string, string> { ["password"] = Planted });
        var sync = await SyncAsync(world, destination);
        sync.ExitCode.ShouldBe(ExitCodes.Success, sync.ToString());
        (await world.SecretValueAsync(apps, "db", "password")).ShouldBe(Planted);
    }

    private static Task<CliResult> SyncAsync(RealClusterWorker world, string keyNamespace) => new CliRunner().RunAsync(
        "sync",
        "--repo", world.Remote.BarePath,
        "--keys", $"cluster:{keyNamespace}",
        "--kubeconfig", world.Kubeconfig,
        "--target", "kubernetes",
        "--cache-dir", world.Scratch("sync-cache"));

    private static X509Certificate2 Certificate(V1Secret secret) => X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(secret.Data["tls.crt"]));
}
