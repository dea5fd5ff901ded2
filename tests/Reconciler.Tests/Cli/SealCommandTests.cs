using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

public sealed class SealCommandTests : IDisposable
{
    private const string PlantedValue = "planted-S3CRET-value-7f3a";
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _temp = new();
    private readonly string _cert = Vectors.Path("sealing-key.crt.pem");
    private readonly string _key = Vectors.Path("sealing-key.key.pem");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Seal_SecretFromStdin_MatchesKubesealShape()
    {
        var secret = $$$"""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"prod","labels":{"app":"api"},
             "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{{{PlantedValue}}}","team":"payments"},
             "uid":"1234","resourceVersion":"99","ownerReferences":[{"kind":"X","name":"y"}]},
             "type":"Opaque","data":{"password":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(PlantedValue))}}}"},"stringData":{"user":"admin"}}
            """;

        var result = await _cli.RunWithInputAsync(secret, "seal", "--cert", _cert);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var node = JsonNode.Parse(result.Stdout)!.AsObject();
        node.Select(p => p.Key).ShouldBe(["kind", "apiVersion", "metadata", "spec"]);
        node["metadata"]!["name"]!.GetValue<string>().ShouldBe("db");
        node["metadata"]!["namespace"]!.GetValue<string>().ShouldBe("prod");
        node["spec"]!.AsObject().Select(p => p.Key).ShouldBe(["template", "encryptedData"]);
        var template = node["spec"]!["template"]!["metadata"]!.AsObject();
        template["labels"]!["app"]!.GetValue<string>().ShouldBe("api");
        template["annotations"]!["team"]!.GetValue<string>().ShouldBe("payments");
        template.ContainsKey("uid").ShouldBeFalse();
        template.ContainsKey("resourceVersion").ShouldBeFalse();
        template.ContainsKey("ownerReferences").ShouldBeFalse();
        node["spec"]!["encryptedData"]!.AsObject().Select(p => p.Key).ShouldBe(["password", "user"]);
        result.Stdout.ShouldNotContain(PlantedValue, customMessage: "the last-applied annotation leaks the plaintext and must be stripped");
    }

    [Theory]
    [InlineData("strict", null, null)]
    [InlineData("namespace-wide", "sealedsecrets.bitnami.com/namespace-wide", null)]
    [InlineData("cluster-wide", null, "sealedsecrets.bitnami.com/cluster-wide")]
    public async Task Seal_Scope_WritesAnnotationsAndRoundTrips(string scope, string? namespaceWide, string? clusterWide)
    {
        var sealedFile = _temp.File($"{scope}.yaml");

        var sealedResult = await _cli.RunAsync("seal", "--cert", _cert, "--scope", scope, "-o", "yaml", "-w", sealedFile,
            "--name", "api-token", "-n", "apps", "--from-literal", $"token={PlantedValue}");
        var unsealed = await _cli.RunAsync("unseal", "--recovery-private-key", _key, "-f", sealedFile);

        sealedResult.ExitCode.ShouldBe(ExitCodes.Success, sealedResult.ToString());
        var text = File.ReadAllText(sealedFile);
        text.ShouldStartWith("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n");
        if (namespaceWide is not null)
        {
            text.ShouldContain($"{namespaceWide}: \"true\"");
        }

        if (clusterWide is not null)
        {
            text.ShouldContain($"{clusterWide}: \"true\"");
        }

        if (scope == "strict")
        {
            text.ShouldNotContain("-wide");
        }

        unsealed.ExitCode.ShouldBe(ExitCodes.Success, unsealed.ToString());
        Encoding.UTF8.GetString(Convert.FromBase64String(JsonNode.Parse(unsealed.Stdout)!["data"]!["token"]!.GetValue<string>())).ShouldBe(PlantedValue);
    }

    [Fact]
    public async Task Seal_ScopeFromSecretAnnotations_IsUsedWithoutFlag()
    {
        var secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\n  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: \"true\"\nstringData:\n  k: v\n";

        var result = await _cli.RunWithInputAsync(secret, "seal", "--cert", _cert);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        JsonNode.Parse(result.Stdout)!["metadata"]!["annotations"]!["sealedsecrets.bitnami.com/cluster-wide"]!.GetValue<string>().ShouldBe("true");
    }

    public static TheoryData<string[]> EveryTypeOfSecret() => new()
    {
        { ["generic", "opaque", "--from-literal", $"a={PlantedValue}"] },
        { ["generic", "bootstrap-token-abcdef", "-n", "kube-system", "--type", "bootstrap.kubernetes.io/token", "--from-literal", "token-id=abcdef", "--from-literal", "token-secret=0123456789abcdef"] },
        { ["generic", "dockercfg", "--type", "kubernetes.io/dockercfg", "--from-literal", ".dockercfg={\"r\":{}}"] },
        { ["docker-registry", "regcred", "--docker-server", "ghcr.io", "--docker-username", "bot", "--docker-password", PlantedValue, "--docker-email", "bot@example.com"] },
        { ["basic-auth", "basic", "--username", "admin", "--password", PlantedValue] },
    };

    [Theory]
    [MemberData(nameof(EveryTypeOfSecret))]
    public async Task CreateSecret_ThenSeal_ThenUnseal_RoundTripsEveryType(string[] create)
    {
        var plain = await _cli.RunAsync(["create", "secret", .. create, "-o", "json"]);
        plain.ExitCode.ShouldBe(ExitCodes.Success, plain.ToString());

        var sealedResult = await _cli.RunWithInputAsync(plain.Stdout, "seal", "--cert", _cert, "-n", JsonNode.Parse(plain.Stdout)!["metadata"]!["namespace"]?.GetValue<string>() ?? "default");
        sealedResult.ExitCode.ShouldBe(ExitCodes.Success, sealedResult.ToString());
        sealedResult.Stdout.ShouldNotContain(PlantedValue);
        var unsealed = await _cli.RunWithInputAsync(sealedResult.Stdout, "unseal", "--recovery-private-key", _key);

        unsealed.ExitCode.ShouldBe(ExitCodes.Success, unsealed.ToString());
        var original = JsonNode.Parse(plain.Stdout)!;
        var roundTripped = JsonNode.Parse(unsealed.Stdout)!;
        roundTripped["type"]!.GetValue<string>().ShouldBe(original["type"]!.GetValue<string>());
        JsonNode.DeepEquals(roundTripped["data"], original["data"]).ShouldBeTrue($"data changed in the round trip of {create[0]} {create[1]}");
    }

    [Fact]
    public async Task CreateSecretTls_ThenSeal_RoundTrips()
    {
        using var key = TestKeys.New();
        var certFile = _temp.Write("tls.crt", TestKeys.NewCertificatePem);
        var keyFile = _temp.Write("tls.key", TestKeys.NewPrivateKeyPem);

        var plain = await _cli.RunAsync("create", "secret", "tls", "web-tls", "-n", "web", "--cert", certFile, "--key", keyFile);
        var sealedResult = await _cli.RunWithInputAsync(plain.Stdout, "seal", "--cert", _cert);
        var unsealed = await _cli.RunWithInputAsync(sealedResult.Stdout, "unseal", "--recovery-private-key", _key, "-o", "yaml");

        unsealed.ExitCode.ShouldBe(ExitCodes.Success, unsealed.ToString());
        unsealed.Stdout.ShouldContain("type: kubernetes.io/tls");
        unsealed.Stdout.ShouldContain("tls.key: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TestKeys.NewPrivateKeyPem)));
    }

    [Fact]
    public async Task CreateSecretTls_MismatchedPair_IsRefused()
    {
        var certFile = _temp.Write("tls.crt", TestKeys.NewCertificatePem);
        var keyFile = _temp.Write("tls.key", TestKeys.OldPrivateKeyPem);

        var result = await _cli.RunAsync("create", "secret", "tls", "web-tls", "--cert", certFile, "--key", keyFile);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        result.Stderr.ShouldContain("are not a matching certificate and private key");
    }

    [Fact]
    public async Task Seal_SshAuthFromFile_RoundTrips()
    {
        var keyFile = _temp.Write("id_ed25519", $"-----BEGIN OPENSSH PRIVATE KEY-----\n{PlantedValue}\n-----END OPENSSH PRIVATE KEY-----\n");

        var plain = await _cli.RunAsync("create", "secret", "ssh-auth", "deploy-key", "-n", "flux-system", "--ssh-privatekey", keyFile);
        var sealedResult = await _cli.RunWithInputAsync(plain.Stdout, "seal", "--cert", _cert);
        var unsealed = await _cli.RunWithInputAsync(sealedResult.Stdout, "unseal", "--recovery-private-key", _key);

        unsealed.ExitCode.ShouldBe(ExitCodes.Success, unsealed.ToString());
        Encoding.UTF8.GetString(Convert.FromBase64String(JsonNode.Parse(unsealed.Stdout)!["data"]!["ssh-privatekey"]!.GetValue<string>())).ShouldContain(PlantedValue);
    }

    [Fact]
    public async Task Seal_NamespaceFlagDisagreesWithSecret_IsRefused()
    {
        var secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: team-a\nstringData:\n  k: v\n";

        var result = await _cli.RunWithInputAsync(secret, "seal", "--cert", _cert, "--namespace", "team-b");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        result.Stderr.ShouldContain("team-a");
        result.Stderr.ShouldContain("team-b");
        result.Stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Seal_NoNamespace_UsesKubeconfigContextNamespace()
    {
        var kubeconfig = _temp.Write("kubeconfig", "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context:\n    cluster: c\n    namespace: from-kubeconfig\n");
        _cli.Environment["KUBECONFIG"] = kubeconfig;

        var result = await _cli.RunWithInputAsync("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  k: v\n", "seal", "--cert", _cert);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        JsonNode.Parse(result.Stdout)!["metadata"]!["namespace"]!.GetValue<string>().ShouldBe("from-kubeconfig");
    }

    [Fact]
    public async Task Seal_EmptyData_NeedsAllowEmptyData()
    {
        const string secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\n";

        var refused = await _cli.RunWithInputAsync(secret, "seal", "--cert", _cert);
        var allowed = await _cli.RunWithInputAsync(secret, "seal", "--cert", _cert, "--allow-empty-data");

        refused.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        refused.Stderr.ShouldContain("secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used");
        allowed.ExitCode.ShouldBe(ExitCodes.Success, allowed.ToString());
    }

    [Fact]
    public async Task Seal_ExpiredCertificate_IsRefused()
    {
        var expired = _temp.Write("expired.pem", TestKeys.ExpiredCertificatePem);

        var result = await _cli.RunAsync("seal", "--cert", expired, "--name", "a", "-n", "b", "--from-literal", "k=v");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("failed to encrypt using an expired certificate on January 31, 2025");
    }

    [Fact]
    public async Task Seal_CertificateFromEnvironmentAndFileUrl_Works()
    {
        _cli.Environment["SEALED_SECRETS_CERT"] = new Uri(_cert).AbsoluteUri;

        var result = await _cli.RunAsync("seal", "--name", "a", "-n", "b", "--from-literal", "k=v");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
    }

    [Fact]
    public async Task Seal_CertificateOverHttp_Works()
    {
        var served = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/x-pem-file";
            await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(_cert));
            served.TrySetResult(context.Request.Path.Value!);
        });

        var result = await _cli.RunAsync("seal", "--cert", $"{server.Url}/v1/cert.pem", "--name", "a", "-n", "b", "--from-literal", "k=v");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        (await served.Task.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe("/v1/cert.pem");
    }

    [Fact]
    public async Task Seal_Raw_PrintsOnlyTheValueForTheScope()
    {
        var valueFile = _temp.Write("value", PlantedValue);

        var result = await _cli.RunAsync("seal", "--raw", "--cert", _cert, "--from-file", valueFile, "--name", "db", "-n", "prod");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var opened = await NodePeers.NodeUnsealAsync(_key, "prod/db", new Dictionary<string, string> { ["v"] = result.Stdout.Trim() });
        Encoding.UTF8.GetString(opened!["v"]).ShouldBe(PlantedValue);
    }

    [Fact]
    public async Task Seal_RawFromStdin_SealsTheBytesAsIs()
    {
        var result = await _cli.RunWithInputAsync(PlantedValue + "\n", "seal", "--raw", "--cert", _cert, "--scope", "cluster-wide");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldNotEndWith("\n", customMessage: "kubeseal prints a raw value without a newline");
        var opened = await NodePeers.NodeUnsealAsync(_key, string.Empty, new Dictionary<string, string> { ["v"] = result.Stdout });
        Encoding.UTF8.GetString(opened!["v"]).ShouldBe(PlantedValue + "\n");
    }

    [Fact]
    public async Task Seal_EnvironmentDefaults_ApplyUnlessFlagGiven()
    {
        _cli.Environment["SEALED_SECRETS_CERT"] = _cert;
        _cli.Environment["SEALED_SECRETS_SCOPE"] = "cluster-wide";
        _cli.Environment["SEALED_SECRETS_FORMAT"] = "yaml";

        var fromEnvironment = await _cli.RunAsync("seal", "--name", "a", "-n", "b", "--from-literal", "k=v");
        var flagWins = await _cli.RunAsync("seal", "--name", "a", "-n", "b", "--from-literal", "k=v", "--scope", "strict", "-o", "json");

        fromEnvironment.ExitCode.ShouldBe(ExitCodes.Success, fromEnvironment.ToString());
        fromEnvironment.Stdout.ShouldContain("sealedsecrets.bitnami.com/cluster-wide: \"true\"");
        flagWins.ExitCode.ShouldBe(ExitCodes.Success, flagWins.ToString());
        flagWins.Stdout.ShouldNotContain("cluster-wide");
        flagWins.Stdout.ShouldStartWith("{");
    }

    [Fact]
    public async Task Seal_NameFlag_OverridesTheInputName()
    {
        var result = await _cli.RunWithInputAsync("apiVersion: v1\nkind: Secret\nmetadata:\n  name: original\n  namespace: b\nstringData:\n  k: v\n", "seal", "--cert", _cert, "--name", "renamed");

        JsonNode.Parse(result.Stdout)!["metadata"]!["name"]!.GetValue<string>().ShouldBe("renamed");
    }

    [Fact]
    public async Task Seal_YamlOutputFileWithoutFormat_WritesYaml()
    {
        var output = _temp.File("out.yaml");

        var result = await _cli.RunAsync("seal", "--cert", _cert, "--name", "a", "-n", "b", "--from-literal", "k=v", "-w", output);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        File.ReadAllText(output).ShouldStartWith("apiVersion: bitnami.com/v1alpha1");
    }

    [Fact]
    public async Task Seal_RawStrictWithoutName_IsRefused()
    {
        var result = await _cli.RunAsync("seal", "--raw", "--cert", _cert, "--from-literal", "k=v", "-n", "prod");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        result.Stderr.ShouldContain("must provide the --name flag with --raw and --scope strict");
    }

    [Fact]
    public async Task Seal_MergeInto_AddsKeysAndKeepsTheRest()
    {
        var existing = _temp.File("existing.yaml");
        (await _cli.RunAsync("seal", "--cert", _cert, "-o", "yaml", "-w", existing, "--name", "db", "-n", "prod", "--scope", "namespace-wide", "--from-literal", "user=admin")).ExitCode.ShouldBe(0);
        var before = JsonNode.Parse((await _cli.RunAsync("unseal", "--recovery-private-key", _key, "-f", existing)).Stdout)!;

        var merge = await _cli.RunAsync("seal", "--cert", _cert, "--merge-into", existing, "--name", "ignored", "-n", "prod", "--from-literal", $"password={PlantedValue}");
        var after = await _cli.RunAsync("unseal", "--recovery-private-key", _key, "-f", existing);

        merge.ExitCode.ShouldBe(ExitCodes.Success, merge.ToString());
        File.ReadAllText(existing).ShouldContain("sealedsecrets.bitnami.com/namespace-wide: \"true\"");
        var data = JsonNode.Parse(after.Stdout)!["data"]!.AsObject();
        data["user"]!.GetValue<string>().ShouldBe(before["data"]!["user"]!.GetValue<string>());
        Encoding.UTF8.GetString(Convert.FromBase64String(data["password"]!.GetValue<string>())).ShouldBe(PlantedValue);
    }

    [Fact]
    public async Task Seal_MergeIntoNotASealedSecret_FailsCleanly()
    {
        var notSealed = _temp.Write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");

        var result = await _cli.RunAsync("seal", "--cert", _cert, "--merge-into", notSealed, "--name", "a", "-n", "b", "--from-literal", "k=v");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        result.Stderr.ShouldContain("cm.yaml");
        File.ReadAllText(notSealed).ShouldBe("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    }

    [Fact]
    public async Task Seal_WriteFile_FailureLeavesOldFileIntact()
    {
        var output = _temp.Write("out.json", "old content");

        var result = await _cli.RunWithInputAsync("apiVersion: v1\nkind: Secret\nmetadata:\n  name: BAD_NAME\n  namespace: b\nstringData:\n  k: v\n", "seal", "--cert", _cert, "-w", output);

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        result.Stderr.ShouldContain("BAD_NAME");
        File.ReadAllText(output).ShouldBe("old content");
        Directory.GetFiles(_temp.Path).ShouldBe([output], "no temporary file may be left behind");
    }

    [Fact]
    public async Task Seal_MultiDocumentInput_SealsEachSecret()
    {
        const string input = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: x\nstringData:\n  k: v\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  namespace: x\nstringData:\n  k: w\n";

        var yaml = await _cli.RunWithInputAsync(input, "seal", "--cert", _cert, "-o", "yaml");
        var json = await _cli.RunWithInputAsync(input, "seal", "--cert", _cert);

        yaml.ExitCode.ShouldBe(ExitCodes.Success, yaml.ToString());
        yaml.Stdout.Split("---\n").Length.ShouldBe(2);
        var unsealed = await _cli.RunWithInputAsync(json.Stdout, "unseal", "--recovery-private-key", _key, "-o", "yaml");
        unsealed.ExitCode.ShouldBe(ExitCodes.Success, unsealed.ToString());
        unsealed.Stdout.ShouldContain("name: a");
        unsealed.Stdout.ShouldContain("name: b");
    }

    [Fact]
    public async Task Seal_InvalidInputs_NameFileAndKeyButNeverTheValue()
    {
        var badKey = _temp.Write("bad-key.yaml", $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\nstringData:\n  bad/key: {PlantedValue}\n");
        var badBase64 = _temp.Write("bad-b64.yaml", $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\ndata:\n  k: {PlantedValue}!\n");
        var badYaml = _temp.Write("bad.yaml", $"apiVersion: v1\nkind: Secret\nstringData:\n  k: [{PlantedValue}\n");
        var notString = _temp.Write("bool.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\nstringData:\n  enabled: yes\n");

        var results = new[]
        {
            await _cli.RunAsync("seal", "--cert", _cert, "-f", badKey),
            await _cli.RunAsync("seal", "--cert", _cert, "-f", badBase64),
            await _cli.RunAsync("seal", "--cert", _cert, "-f", badYaml),
            await _cli.RunAsync("seal", "--cert", _cert, "-f", notString),
        };

        results[0].Stderr.ShouldContain("bad-key.yaml");
        results[0].Stderr.ShouldContain("bad/key");
        results[1].Stderr.ShouldContain("bad-b64.yaml:7");
        results[1].Stderr.ShouldContain("data.k is not valid base64");
        results[2].Stderr.ShouldContain("bad.yaml");
        results[3].Stderr.ShouldContain("stringData.enabled must be a string (quote it");
        foreach (var result in results)
        {
            result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
            result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1, "one line per error");
            result.Stderr.ShouldStartWith("error: ");
            result.All.ShouldNotContain(PlantedValue);
            result.All.ShouldNotContain("   at ", customMessage: "no stack trace without --verbose");
        }
    }

    [Fact]
    public async Task Seal_AppendHash_AddsKustomizeStyleSuffix()
    {
        var first = await _cli.RunAsync("seal", "--cert", _cert, "--append-hash", "--name", "cfg", "-n", "x", "--from-literal", "k=v1");
        var same = await _cli.RunAsync("seal", "--cert", _cert, "--append-hash", "--name", "cfg", "-n", "x", "--from-literal", "k=v1");
        var changed = await _cli.RunAsync("seal", "--cert", _cert, "--append-hash", "--name", "cfg", "-n", "x", "--from-literal", "k=v2");

        var name = JsonNode.Parse(first.Stdout)!["metadata"]!["name"]!.GetValue<string>();
        name.ShouldMatch("^cfg-[a-z0-9]{10}$");
        JsonNode.Parse(same.Stdout)!["metadata"]!["name"]!.GetValue<string>().ShouldBe(name);
        JsonNode.Parse(changed.Stdout)!["metadata"]!["name"]!.GetValue<string>().ShouldNotBe(name);
    }

    [Fact]
    public async Task Seal_NoCertificate_IsAUsageError()
    {
        var result = await _cli.RunAsync("seal", "--name", "a", "-n", "b", "--from-literal", "k=v");

        result.ExitCode.ShouldBe(ExitCodes.Usage);
        result.Stderr.ShouldContain("--cert");
    }

    [Fact]
    public async Task UnknownFlag_IsAUsageError()
    {
        var result = await _cli.RunAsync("seal", "--no-such-flag");

        result.ExitCode.ShouldBe(ExitCodes.Usage);
        result.Stderr.ShouldContain("--no-such-flag");
    }
}
