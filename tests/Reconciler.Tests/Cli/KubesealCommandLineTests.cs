using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// kubeseal command lines from Bitnami's README and from scripts that use it, run unchanged against a real
/// worker behind the loopback API server's service proxy: once as the kubeseal alias (the program invoked
/// as <c>kubeseal</c>), once as <c>gitops-secrets seal</c>. Results are checked by decrypting with the
/// vector key, which the worker serves as its newest certificate.
/// </summary>
public sealed class KubesealCommandLineTests(KubesealCluster cluster) : IClassFixture<KubesealCluster>, IDisposable
{
    private const string PlantedValue = "planted-kubeseal-9d2e71";
    private const string PlantedToken = "planted-token-5c81aa";
    private const string Alias = KubesealAlias.Name;
    private const string Subcommand = "seal";

    private readonly TempDirectory _dir = NewDirectory();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task FetchCert_DefaultController_PrintsTheWorkersCertificateThroughTheApiProxy(string invokedAs)
    {
        var result = await RunLineAsync(invokedAs, "kubeseal --fetch-cert");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        using var vector = Vectors.LoadKey();
        result.Stdout.Trim().ShouldBe(KeySecrets.CertificatePem(vector).Trim(), "the worker's newest certificate, as served");
        cluster.Api.Requests.All.ShouldContain(
            r => r.Method == "GET" && r.Path == "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem",
            "kubeseal's path: the default Service in kube-system, with the port name read from the Service");
    }

    [Theory]
    [InlineData(Alias, "kubeseal --fetch-cert --controller-name my-sealer --controller-namespace sealing")]
    [InlineData(Subcommand, "kubeseal --fetch-cert --controller-name my-sealer --controller-namespace sealing")]
    [InlineData(Alias, "SEALED_SECRETS_CONTROLLER_NAMESPACE=sealing SEALED_SECRETS_CONTROLLER_NAME=my-sealer kubeseal --fetch-cert")]
    [InlineData(Alias, "kubeseal --fetch-cert --controller-name=my-sealer --controller-namespace=sealing -w $DIR/cert.pem")]
    public async Task FetchCert_NamedController_UsesThatService(string invokedAs, string line)
    {
        cluster.Api.Requests.Clear();

        var result = await RunLineAsync(invokedAs, line);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var printed = line.Contains("-w ", StringComparison.Ordinal) ? File.ReadAllText(_dir.File("cert.pem")) : result.Stdout;
        printed.ShouldStartWith("-----BEGIN CERTIFICATE-----");
        var paths = cluster.Api.Requests.All.Select(r => r.Path).ToList();
        paths.ShouldContain("/api/v1/namespaces/sealing/services/http:my-sealer:http/proxy/v1/cert.pem", string.Join("\n", paths));
        paths.ShouldNotContain(p => p.Contains("kube-system", StringComparison.Ordinal), "the named controller only");
    }

    [Theory]
    [InlineData(Alias, true)]
    [InlineData(Subcommand, false)]
    public async Task FetchCert_WithCert_PrintsThatCertificateWithoutTheApiServer(string invokedAs, bool url)
    {
        var source = url ? cluster.Worker.BaseUrl + "/v1/cert.pem" : Vectors.Path("sealing-key.crt.pem");
        cluster.Api.Requests.Clear();

        var result = await RunLineAsync(invokedAs, $"kubeseal --fetch-cert --cert {source}");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        using var vector = Vectors.LoadKey();
        result.Stdout.Trim().ShouldBe(KeySecrets.CertificatePem(vector).Trim());
        cluster.Api.Requests.All.ShouldBeEmpty("--cert overrides --controller-*");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task FetchCert_NoSuchService_FailsInOneLineNamingTheFlags(string invokedAs)
    {
        var result = await RunLineAsync(invokedAs, "kubeseal --fetch-cert --controller-name nope");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, result.Stderr);
        result.Stderr.ShouldContain("kube-system/nope");
        result.Stderr.ShouldContain("--controller-name");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task Seal_FromStdinWithoutCert_SealsWithTheControllersCertificateAndContextNamespace(string invokedAs)
    {
        var result = await RunLineAsync(invokedAs, "kubeseal < $DIR/secret.yaml > $DIR/sealed.json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var sealedSecret = JsonNode.Parse(File.ReadAllText(_dir.File("sealed.json")))!;
        sealedSecret["kind"]!.GetValue<string>().ShouldBe("SealedSecret", "JSON by default, as kubeseal");
        sealedSecret["metadata"]!["namespace"]!.GetValue<string>().ShouldBe(KubesealCluster.ContextNamespace, "a Secret without namespace takes the kubeconfig context's");
        OpenWithVectorKey("sealed.json").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue }, "the vector key (the worker's newest) opens it");
    }

    [Theory]
    [InlineData(Alias, "kubeseal --format yaml < $DIR/secret.yaml > $DIR/sealed.yaml")]
    [InlineData(Alias, "kubeseal -o yaml < $DIR/secret.yaml > $DIR/sealed.yaml")]
    [InlineData(Subcommand, "kubeseal --format=yaml < $DIR/secret.yaml > $DIR/sealed.yaml")]
    [InlineData(Alias, "kubeseal -f $DIR/secret.yaml -w $DIR/sealed.yaml")]
    [InlineData(Subcommand, "kubeseal --secret-file $DIR/secret.yaml --sealed-secret-file $DIR/sealed.yaml")]
    public async Task Seal_YamlOutput_IsYamlThatOpens(string invokedAs, string line)
    {
        var result = await RunLineAsync(invokedAs, line);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        File.ReadAllText(_dir.File("sealed.yaml")).ShouldStartWith("apiVersion: bitnami.com/v1alpha1\n", customMessage: "YAML, not JSON");
        OpenWithVectorKey("sealed.yaml").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue });
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task Seal_ScopeClusterWide_OpensUnderAnyNameAndNamespace(string invokedAs)
    {
        var result = await RunLineAsync(invokedAs, "kubeseal --scope cluster-wide < $DIR/secret.yaml > $DIR/sealed.json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var node = JsonNode.Parse(File.ReadAllText(_dir.File("sealed.json")))!;
        node["metadata"]!["annotations"]![SealingScopes.ClusterWideAnnotation]!.GetValue<string>().ShouldBe("true");
        node["metadata"]!["name"] = "moved";
        node["metadata"]!["namespace"] = "elsewhere";
        File.WriteAllText(_dir.File("moved.json"), node.ToJsonString());
        OpenWithVectorKey("moved.json").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue }, "cluster-wide: the label is empty");
    }

    [Theory]
    [InlineData(Alias, "kubeseal --raw --from-file=$DIR/value.txt --namespace apps --name db", SealingScope.Strict)]
    [InlineData(Subcommand, "kubeseal --raw --from-file=$DIR/value.txt --namespace apps --name db", SealingScope.Strict)]
    [InlineData(Alias, "kubeseal --raw --from-file=/dev/stdin --namespace apps --name db < $DIR/value.txt", SealingScope.Strict)]
    [InlineData(Alias, "kubeseal --raw --scope namespace-wide --from-file=$DIR/value.txt -n apps", SealingScope.NamespaceWide)]
    [InlineData(Alias, "kubeseal --raw --scope cluster-wide --from-file=$DIR/value.txt", SealingScope.ClusterWide)]
    public async Task Raw_FromFile_PrintsOneValueSealedForTheScope(string invokedAs, string line, SealingScope scope)
    {
        var result = await RunLineAsync(invokedAs, line);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        using var vector = Vectors.LoadKey();
        var opened = Engines.Cipher("openssl").TryOpen([vector], SealingScopes.Label(scope, "apps", "db"), result.Stdout.Trim());
        opened.ShouldNotBeNull($"the value must open with the {scope} label");
        Encoding.UTF8.GetString(opened.Plaintext).ShouldBe(PlantedValue);
    }

    [Theory]
    [InlineData(Alias, "kubeseal --recovery-unseal --recovery-private-key $DIR/old.key,$DIR/vector.key < $DIR/sealed.json")]
    [InlineData(Subcommand, "kubeseal --recovery-unseal --recovery-private-key $DIR/old.key,$DIR/vector.key < $DIR/sealed.json")]
    [InlineData(Alias, "kubeseal --recovery-unseal --recovery-private-key $DIR/old.key --recovery-private-key $DIR/vector.key -f $DIR/sealed.json")]
    [InlineData(Alias, "kubeseal --recovery-unseal --recovery-private-key $DIR/sealing-key.secret.json -o yaml < $DIR/sealed.json")]
    public async Task RecoveryUnseal_WithKeyLists_PrintsTheSecret(string invokedAs, string line)
    {
        (await RunLineAsync(invokedAs, "kubeseal < $DIR/secret.yaml > $DIR/sealed.json")).ExitCode.ShouldBe(ExitCodes.Success);

        var result = await RunLineAsync(invokedAs, line);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var secret = line.Contains("-o yaml", StringComparison.Ordinal)
            ? GitOpsSecrets.Manifests.ManifestReader.Read(Encoding.UTF8.GetBytes(result.Stdout), "stdout").Single().Root!
            : JsonNode.Parse(result.Stdout)!;
        secret["kind"]!.GetValue<string>().ShouldBe("Secret");
        secret["data"]!["password"]!.GetValue<string>().ShouldBe(Convert.ToBase64String(Encoding.UTF8.GetBytes(PlantedValue)), "the planted value, opened offline");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task Validate_SealedByTheController_PassesSilently_RenamedFailsWithExit4(string invokedAs)
    {
        (await RunLineAsync(invokedAs, "kubeseal -o yaml < $DIR/secret.yaml > $DIR/sealed.yaml")).ExitCode.ShouldBe(ExitCodes.Success);
        File.WriteAllText(_dir.File("renamed.yaml"), File.ReadAllText(_dir.File("sealed.yaml")).Replace("name: db", "name: renamed", StringComparison.Ordinal));
        cluster.Api.Requests.Clear();

        var valid = await RunLineAsync(invokedAs, "kubeseal --validate < $DIR/sealed.yaml");
        var renamed = await RunLineAsync(invokedAs, "kubeseal --validate < $DIR/renamed.yaml");

        valid.ExitCode.ShouldBe(ExitCodes.Success, valid.ToString());
        valid.All.ShouldBeEmpty("kubeseal --validate prints nothing when the SealedSecret decrypts");
        renamed.ExitCode.ShouldBe(ExitCodes.DecryptionFailed, renamed.ToString());
        renamed.Stderr.ShouldContain("unable to decrypt sealed secret apps/renamed");
        cluster.Api.Requests.All.Count(r => r.Method == "POST" && r.Path == "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/verify")
            .ShouldBeGreaterThanOrEqualTo(2, "a verify request through the proxy per run (more when the worker's rate limit asked for a retry)");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task Validate_SeveralDocuments_ChecksEach_AndRidesOutTheRateLimit(string invokedAs)
    {
        using var old = TestKeys.Old();
        using var stranger = TestKeys.New();
        var documents = new[]
        {
            SealedFiles.Yaml(SealedFiles.Seal(old, "apps", "one", Values())),
            SealedFiles.Yaml(SealedFiles.Seal(old, "apps", "two", Values())),
            SealedFiles.Yaml(SealedFiles.Seal(stranger, "apps", "lost", Values())),
            SealedFiles.Yaml(SealedFiles.Seal(old, "apps", "four", Values())),
        };
        _dir.Write("many.yaml", string.Join("---\n", documents));

        var result = await RunLineAsync(invokedAs, "kubeseal --validate -f $DIR/many.yaml");

        result.ExitCode.ShouldBe(ExitCodes.DecryptionFailed, result.ToString());
        var errors = result.Stderr.TrimEnd().Split('\n');
        errors.Length.ShouldBe(1, $"only the one sealed to a key the worker lacks; four requests pass the 2-per-second limit by waiting:\n{result.Stderr}");
        errors[0].ShouldStartWith("error: " + _dir.File("many.yaml"));
        errors[0].ShouldContain("document 3");
        errors[0].ShouldEndWith("unable to decrypt sealed secret apps/lost");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task ReEncrypt_OldKeySealedSecret_ComesBackSealedToTheNewestKey(string invokedAs)
    {
        using (var old = TestKeys.Old())
        {
            _dir.Write("old.json", SealedFiles.Json(SealedFiles.Seal(old, "apps", "db", Values())));
        }

        var result = await RunLineAsync(invokedAs, "kubeseal --re-encrypt < $DIR/old.json > $DIR/new.json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        OpenWithVectorKey("new.json").ShouldBe(Values(), "re-encrypted to the worker's newest key");
        SealedFiles.Open(_dir.File("new.json"), TestKeys.Old()).Single().Values.ShouldBeNull("nothing opens with the old key any more");
        result.Stdout.ShouldNotContain(PlantedValue);
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task ReEncrypt_SecretFileWithoutOutputFile_RewritesItInPlaceAsYaml(string invokedAs)
    {
        using (var old = TestKeys.Old())
        {
            _dir.Write("old.yaml", SealedFiles.Yaml(SealedFiles.Seal(old, "apps", "db", Values())));
        }

        var result = await RunLineAsync(invokedAs, "kubeseal --re-encrypt -f $DIR/old.yaml");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBeEmpty("kubeseal rewrites the -f file in place");
        File.ReadAllText(_dir.File("old.yaml")).ShouldStartWith("apiVersion: bitnami.com/v1alpha1\n", customMessage: "a .yaml file stays YAML");
        OpenWithVectorKey("old.yaml").ShouldBe(Values());
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task MergeInto_ExistingSealedSecret_AddsTheNewKeyAndKeepsTheOld(string invokedAs)
    {
        (await RunLineAsync(invokedAs, "kubeseal < $DIR/secret.yaml > $DIR/sealed.json")).ExitCode.ShouldBe(ExitCodes.Success);
        var before = JsonNode.Parse(File.ReadAllText(_dir.File("sealed.json")))!["spec"]!["encryptedData"]!["password"]!.GetValue<string>();

        var result = await RunLineAsync(invokedAs, "kubeseal --merge-into $DIR/sealed.json < $DIR/extra.yaml");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldBeEmpty("--merge-into updates the file in place");
        OpenWithVectorKey("sealed.json").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue, ["token"] = PlantedToken });
        JsonNode.Parse(File.ReadAllText(_dir.File("sealed.json")))!["spec"]!["encryptedData"]!["password"]!.GetValue<string>().ShouldBe(before, "values not in the Secret are kept byte for byte");
    }

    [Theory]
    [InlineData(Alias, true)]
    [InlineData(Subcommand, true)]
    [InlineData(Alias, false)]
    [InlineData(Subcommand, false)]
    public async Task Cert_HttpAndHttpsUrl_SealsWithTheServedCertificate_WithoutTheApiServer(string invokedAs, bool https)
    {
        var url = https ? cluster.HttpsCertUrl : cluster.Worker.BaseUrl + "/v1/cert.pem";
        url.ShouldStartWith(https ? "https://127.0.0.1:" : "http://127.0.0.1:");
        cluster.Api.Requests.Clear();

        var result = await RunLineAsync(invokedAs, $"kubeseal --cert {url} < $DIR/secret.yaml > $DIR/sealed.json");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        OpenWithVectorKey("sealed.json").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue });
        cluster.Api.Requests.All.ShouldBeEmpty("--cert overrides --controller-*: the API server is not asked");
    }

    [Theory]
    [InlineData(Alias)]
    [InlineData(Subcommand)]
    public async Task KubeconfigAndContextFlags_WithoutEnvironment_ReachTheControllerAndNameTheNamespace(string invokedAs)
    {
        _dir.Write("kubeconfig", File.ReadAllText(cluster.Kubeconfig));

        var result = await RunLineAsync(invokedAs, "kubeseal --kubeconfig $DIR/kubeconfig --context loopback < $DIR/secret.yaml > $DIR/sealed.json", kubeconfigInEnvironment: false);
        var withoutKubeconfig = await RunLineAsync(invokedAs, "kubeseal < $DIR/secret.yaml", kubeconfigInEnvironment: false);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        JsonNode.Parse(File.ReadAllText(_dir.File("sealed.json")))!["metadata"]!["namespace"]!.GetValue<string>().ShouldBe(KubesealCluster.ContextNamespace);
        OpenWithVectorKey("sealed.json").ShouldBe(new Dictionary<string, string> { ["password"] = PlantedValue });
        withoutKubeconfig.ExitCode.ShouldBe(ExitCodes.Usage, withoutKubeconfig.ToString());
        withoutKubeconfig.Stderr.ShouldContain("--cert");
    }

    [Fact]
    public async Task Reseal_ThroughTheApiProxy_FindsTheNamedPortAsKubesealDoes()
    {
        using (var old = TestKeys.Old())
        {
            _dir.Write("repo/apps/db.yaml", SealedFiles.Yaml(SealedFiles.Seal(old, "apps", "db", Values())));
        }

        var runner = new CliRunner();
        runner.Environment["KUBECONFIG"] = cluster.Kubeconfig;
        cluster.Api.Requests.Clear();

        var result = await runner.RunAsync("reseal", _dir.File("repo"), "--controller-name", "my-sealer", "--controller-namespace", "sealing");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        SealedFiles.Open(_dir.File("repo/apps/db.yaml"), Vectors.LoadKey()).Single().Values.ShouldBe(Values(), "resealed to the worker's newest key");
        cluster.Api.Requests.All.ShouldContain(
            r => r.Method == "POST" && r.Path == "/api/v1/namespaces/sealing/services/http:my-sealer:http/proxy/v1/rotate",
            "reseal goes the way seal and kubeseal go: the Service's port name in the proxy path");
        result.All.ShouldNotContain(PlantedValue);
    }

    [Fact]
    public async Task Version_AsKubeseal_PrintsKubesealsLayout()
    {
        var result = await RunLineAsync(Alias, "kubeseal --version");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldMatch(@"^kubeseal version: \d+\.\d+\.\d+\S* \(gitops-secrets\)\n$");
    }

    [Fact]
    public async Task Alias_DoesNotTakeOurSubcommands_ButOwnNameStillDoes()
    {
        var asKubeseal = await RunLineAsync(Alias, "kubeseal unseal --recovery-private-key $DIR/vector.key");
        var asOurs = await new CliRunner().RunAsync("--version");

        asKubeseal.ExitCode.ShouldBe(ExitCodes.Usage, "kubeseal has no subcommands: 'unseal' is an unexpected word");
        asKubeseal.Stderr.ShouldContain("unknown command or argument 'unseal' for 'kubeseal'", Case.Sensitive, "one usage line naming the word and the kubeseal root");
        asOurs.ExitCode.ShouldBe(ExitCodes.Success);
        asOurs.Stdout.ShouldNotContain("kubeseal version");
    }

    [Theory]
    [InlineData("kubeseal --fetch-cert --validate")]
    [InlineData("kubeseal --re-encrypt --recovery-unseal")]
    public async Task TwoModes_AreAUsageError(string line)
    {
        var result = await RunLineAsync(Alias, line);

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("cannot be used together");
    }

    private static Dictionary<string, string> Values() => new() { ["password"] = PlantedValue, ["token"] = PlantedToken };

    private static TempDirectory NewDirectory()
    {
        var dir = new TempDirectory();
        var password = Convert.ToBase64String(Encoding.UTF8.GetBytes(PlantedValue));
        dir.Write("secret.yaml", $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {password}\n");
        dir.Write("extra.yaml", $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  token: {PlantedToken}\n");
        dir.Write("value.txt", PlantedValue);
        dir.Write("old.key", TestKeys.OldPrivateKeyPem);
        File.Copy(Vectors.Path("sealing-key.key.pem"), dir.File("vector.key"));
        File.Copy(Vectors.Path("sealing-key.secret.json"), dir.File("sealing-key.secret.json"));
        return dir;
    }

    private Dictionary<string, string>? OpenWithVectorKey(string file) =>
        SealedFiles.Open(_dir.File(file), Vectors.LoadKey()).Single().Values;

    /// <summary>
    /// Runs a command line as a shell would: leading VAR=value words set the environment, "&lt; FILE" is
    /// standard input, "&gt; FILE" receives standard output; $DIR is this test's directory (tests cannot
    /// change the process's working directory). As the alias, the program runs as <c>kubeseal</c> with the
    /// words after it; otherwise as <c>gitops-secrets seal</c> with the same words.
    /// </summary>
    private async Task<CliResult> RunLineAsync(string invokedAs, string line, bool kubeconfigInEnvironment = true)
    {
        var runner = new CliRunner
        {
            InvocationName = invokedAs == Alias ? KubesealAlias.Name : CliApp.Name,
            ConfigureServices = cluster.TrustHttpsCertificate,
        };
        if (kubeconfigInEnvironment)
        {
            runner.Environment["KUBECONFIG"] = cluster.Kubeconfig;
        }

        var words = new Queue<string>(line.Replace("$DIR", _dir.Path, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        while (words.Peek().Contains('=', StringComparison.Ordinal))
        {
            var assignment = words.Dequeue().Split('=', 2);
            runner.Environment[assignment[0]] = assignment[1];
        }

        words.Dequeue().ShouldBe("kubeseal", "every line is a kubeseal command line");
        string? stdin = null, stdout = null;
        var args = new List<string>();
        while (words.TryDequeue(out var word))
        {
            _ = word switch
            {
                "<" => stdin = File.ReadAllText(words.Dequeue()),
                ">" => stdout = words.Dequeue(),
                _ => AddTo(args, word),
            };
        }

        var result = await runner.RunWithInputAsync(stdin ?? string.Empty, invokedAs == Alias ? [.. args] : [Subcommand, .. args]);
        if (stdout is not null)
        {
            File.WriteAllText(stdout, result.Stdout);
        }

        foreach (var planted in new[] { PlantedValue, PlantedToken })
        {
            result.Stderr.ShouldNotContain(planted, customMessage: $"{line}: a value leaked to stderr");
            result.Stderr.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(planted)), customMessage: $"{line}: a value leaked to stderr (base64)");
        }

        return result;
    }

    private static string AddTo(List<string> args, string word)
    {
        args.Add(word);
        return word;
    }
}
