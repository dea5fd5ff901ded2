using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>The worker's HTTP surface over real loopback HTTP, one worker per test (the rate limit is per worker).</summary>
public sealed partial class WorkerEndpointTests : IAsyncLifetime
{
    private WorkerFixture _worker = null!;
    private TempDirectory _token = null!;

    public async Task InitializeAsync()
    {
        _token = new TempDirectory();
        _token.Write("token", "hook-token-1234\n");
        _worker = await WorkerFixture.StartAsync(
            configure: c => c.Worker.SyncHookTokenFile = _token.File("token"),
            prepare: files =>
            {
                files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db")));
                files.Repo.Write("apps/api.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "api", scope: SealingScope.NamespaceWide)));
                using var stranger = TestKeys.New(); // not in the worker's key directory
                files.Repo.Write("apps/lost.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "lost", stranger)));
            });
        await _worker.WaitForSyncsAsync(1);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        _token.Dispose();
    }

    [Fact]
    public async Task Healthz_AnswersOk()
    {
        var response = await _worker.Http.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
    }

    [Fact]
    public async Task Readyz_AfterKeysAndFirstSync_IsReady()
    {
        (await _worker.Http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CertPem_IsTheNewestCertificate()
    {
        var response = await _worker.Http.GetAsync("/v1/cert.pem");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-pem-file");
        using var vector = Vectors.LoadKey();
        (await response.Content.ReadAsStringAsync()).Trim().ShouldBe(KeySecrets.CertificatePem(vector).Trim(), "the vector key (2026-11-23) is newer than the old test key");
    }

    [Fact]
    public async Task Verify_StrictVector_200_RenamedStrictVector_409()
    {
        var original = Vectors.Text("sealedsecret-strict.json");
        var renamed = JsonNode.Parse(original)!;
        renamed["metadata"]!["name"] = "renamed";

        var ok = await PostAsync("/v1/verify", original);
        var moved = await PostAsync("/v1/verify", renamed.ToJsonString());

        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        moved.StatusCode.ShouldBe(HttpStatusCode.Conflict, "a strict SealedSecret is bound to its name");
        (await moved.Content.ReadAsStringAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Verify_YamlBody_200_Unparseable_500AsBitnami()
    {
        var yaml = ManifestWriter.ToYaml(JsonNode.Parse(Vectors.Text("sealedsecret-namespace-wide.json"))!);

        var ok = await PostAsync("/v1/verify", yaml);
        var garbage = await PostAsync("/v1/verify", "kind: [unclosed");

        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        garbage.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
    }

    [Fact]
    public async Task Rotate_OldKeySealedSecret_OpensWithTheNewestKeyAloneAndKeepsScopeAndTemplateMetadata()
    {
        using var old = TestKeys.Old();
        var sealedSecret = WorkerFixture.Seal("apps", "rotated", old, SealingScope.NamespaceWide, secret =>
        {
            secret.Metadata.Labels["team"] = "payments";
            secret.Metadata.Annotations["example.com/owner"] = "alice";
        });

        var response = await PostAsync("/v1/rotate", WorkerFixture.Json(sealedSecret));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain(WorkerFixture.PlantedValue);
        var rotated = SealedSecretManifest.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(body), "rotate response"));
        rotated.Scope.ShouldBe(SealingScope.NamespaceWide, "the top-level scope annotation stays");
        rotated.Template.Metadata.Labels["team"].ShouldBe("payments");
        rotated.Template.Metadata.Annotations["example.com/owner"].ShouldBe("alice");
        rotated.Metadata.Labels.ShouldNotContainKey("team", "template-only labels stay template-only");
        using var newestAlone = new KeyRing([Vectors.LoadKey()]);
        var opened = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters())).Unseal(rotated, newestAlone);
        opened.Succeeded.ShouldBeTrue(opened.Error);
        Encoding.UTF8.GetString(opened.Secret!.Data["password"]).ShouldBe(WorkerFixture.PlantedValue);
    }

    [Fact]
    public async Task Verify_MoreThanTheBurst_429()
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            codes.Add((await PostAsync("/v1/verify", "not a sealed secret")).StatusCode);
        }

        codes.ShouldContain(HttpStatusCode.TooManyRequests, string.Join(", ", codes));
        codes[0].ShouldBe(HttpStatusCode.InternalServerError, "the first request is within the burst");
    }

    [Fact]
    public async Task SyncHook_WithoutOrWithAWrongToken_401_WithTheToken_TriggersASync()
    {
        var before = _worker.Status.Syncs;
        (await HookAsync(null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await HookAsync("wrong-token")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var accepted = await HookAsync("hook-token-1234");

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        await _worker.WaitForSyncsAsync(before + 1);
        _worker.Status.Syncs.ShouldBeGreaterThan(before);
    }

    [Fact]
    public async Task Metrics_ParseAsPrometheusText_AndNameWhatTheyMeasure()
    {
        await _worker.Http.GetAsync("/healthz");

        var response = await _worker.Http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                CommentLine().IsMatch(line).ShouldBeTrue($"comment line: {line}");
                continue;
            }

            var match = SampleLine().Match(line);
            match.Success.ShouldBeTrue($"sample line: {line}");
            samples[match.Groups["series"].Value] = double.Parse(match.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        }

        samples["gitops_secrets_keys"].ShouldBe(2);
        samples["gitops_secrets_is_leader"].ShouldBe(1);
        samples["gitops_secrets_sync_duration_seconds_count"].ShouldBeGreaterThanOrEqualTo(1);
        samples["gitops_secrets_newest_key_age_seconds"].ShouldBeGreaterThan(0);
        samples["gitops_secrets_last_success_timestamp_seconds"].ShouldBe(0, "the lost SealedSecret makes every sync partial");
        samples["gitops_secrets_objects_total{target=\"memory\",result=\"create\"}"].ShouldBe(2);
        samples["sealed_secrets_controller_unseal_errors_total{reason=\"unseal\"}"].ShouldBe(1);
        samples["sealed_secrets_controller_unseal_requests_total"].ShouldBe(3);
        samples.Keys.ShouldContain(k => k.StartsWith("sealed_secrets_controller_http_requests_total{handler=\"/healthz\"", StringComparison.Ordinal));
        text.ShouldNotContain(WorkerFixture.PlantedValue);
    }

    [Fact]
    public async Task Status_AfterASync_ReportsRevisionsCountsAndFailuresWithoutValues()
    {
        var response = await _worker.Http.GetAsync("/status");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var status = JsonNode.Parse(body)!.AsObject();
        status["leader"]!.GetValue<bool>().ShouldBeTrue();
        status["ready"]!.GetValue<bool>().ShouldBeTrue();
        status["lastSync"]!["result"]!.GetValue<string>().ShouldBe("partial");
        var target = status["targets"]!.AsArray().Single()!.AsObject();
        target["name"]!.GetValue<string>().ShouldBe("memory");
        target["lastAttemptedRevision"]!.GetValue<string>().ShouldBe("main@sha1:c1");
        target["lastAppliedRevision"].ShouldBeNull("a sync with a failure did not apply the revision in full");
        target["counts"]!["create"]!.GetValue<int>().ShouldBe(2);
        target["counts"]!["failed"]!.GetValue<int>().ShouldBe(1);
        var failure = target["failures"]!.AsArray().Single()!;
        failure["name"]!.GetValue<string>().ShouldBe("lost");
        failure["reason"]!.GetValue<string>().ShouldContain("no key could decrypt");
        body.ShouldNotContain(WorkerFixture.PlantedValue);
    }

    [Fact]
    public async Task PlantedValue_NeverInResponsesOrLogs()
    {
        var bodies = new List<string>();
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics", "/status", "/v1/cert.pem" })
        {
            bodies.Add(await (await _worker.Http.GetAsync(path)).Content.ReadAsStringAsync());
        }

        bodies.Add(await (await PostAsync("/v1/verify", WorkerFixture.Json(WorkerFixture.Seal("apps", "db")))).Content.ReadAsStringAsync());
        await _worker.WaitForSyncsAsync(1);

        _worker.Target.Secrets.Count.ShouldBe(2, "the sync did open the values");
        foreach (var body in bodies)
        {
            body.ShouldNotContain(WorkerFixture.PlantedValue);
        }

        _worker.Log.ToString().ShouldNotContain(WorkerFixture.PlantedValue);
        _worker.Log.ToString().ShouldContain("Sync of main@sha1:c1 applied", customMessage: "the worker logs at information level");
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body) =>
        _worker.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> HookAsync(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/sync");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _worker.Http.SendAsync(request);
    }

    [GeneratedRegex(@"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})?) (?<value>[-+]?(\d+(\.\d+)?([eE][-+]?\d+)?|Inf|NaN))$")]
    private static partial Regex SampleLine();
}
