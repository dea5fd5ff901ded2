using System.Net;
using System.Text;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Tests.Worker;
using Microsoft.Playwright;

namespace GitOpsSecrets.Tests.Ui;

/// <summary>
/// The status page in headless Chromium, served by a real worker (loopback port 0) that has synced a
/// repository with two good SealedSecrets and one sealed to a key the worker does not hold (a planted
/// failure). The page must show the failure and never a value or a ciphertext.
/// </summary>
[Collection(nameof(BrowserCollection))]
public sealed class StatusPageTests(Chromium chromium) : IAsyncLifetime
{
    private readonly List<string> _ciphertexts = [];
    private WorkerFixture _worker = null!;

    public async Task InitializeAsync()
    {
        using var stranger = TestKeys.New();
        _worker = await WorkerFixture.StartAsync(prepare: files =>
        {
            foreach (var (name, sealedSecret) in new[]
            {
                ("db", WorkerFixture.Seal("apps", "db")),
                ("api", WorkerFixture.Seal("apps", "api", scope: SealingScope.NamespaceWide)),
                ("lost", WorkerFixture.Seal("apps", "lost", stranger)),
            })
            {
                _ciphertexts.AddRange(sealedSecret.EncryptedData.Values);
                files.Repo.Write($"apps/{name}.yaml", WorkerFixture.Json(sealedSecret));
            }
        });
        await _worker.WaitForSyncsAsync(1);
    }

    public async Task DisposeAsync() => await _worker.DisposeAsync();

    [Fact]
    public async Task StatusPage_AfterASyncWithAFailure_ShowsTheFailureAndNeverAValueOrCiphertext()
    {
        await using var recorded = await RecordedPage.OpenAsync(chromium);
        var page = recorded.Page;
        await page.GotoAsync($"{_worker.BaseUrl}/ui/status.html");
        await page.Locator("#failures li.error").WaitForAsync();

        var failure = await page.TextContentAsync("#failures");
        failure.ShouldNotBeNull();
        failure.ShouldContain("apps/lost");
        failure.ShouldContain("no key could decrypt", Case.Sensitive, "the failure's reason is shown");
        var secrets = page.Locator("#secrets tbody tr");
        (await secrets.CountAsync()).ShouldBe(3, "one row per Secret");
        (await page.Locator("#secrets tbody tr:has-text('apps/lost') .badge").TextContentAsync()).ShouldBe("failed");
        (await page.Locator("#secrets tbody tr:has-text('apps/db') .badge").TextContentAsync()).ShouldBe("create");
        using var vector = Vectors.LoadKey();
        (await page.Locator("#secrets tbody tr:has-text('apps/db') td:nth-child(4)").TextContentAsync()).ShouldBe(vector.ShortFingerprint, "the key that opened it (coverage)");
        (await page.TextContentAsync("#keys tbody"))!.ShouldContain(vector.ShortFingerprint);

        await page.FillAsync("#search", "lost");
        (await secrets.CountAsync()).ShouldBe(1, "search filters the rows");
        await page.FillAsync("#search", string.Empty);
        await page.SelectOptionAsync("#state-filter", "failed");
        (await secrets.CountAsync()).ShouldBe(1, "the state filter keeps the failed Secret only");
        await page.SelectOptionAsync("#state-filter", string.Empty);

        await page.Locator("#search").BlurAsync();
        await page.ScreenshotAsync(new() { Path = UiArtifacts.File("ui-status.png"), FullPage = true });
        await recorded.SettleAsync();
        var dom = await page.ContentAsync();
        var bodies = recorded.Responses.Select(r => Encoding.UTF8.GetString(r.Body)).ToList();
        bodies.ShouldContain(b => b.Contains("\"failures\"", StringComparison.Ordinal), "the status document was among the responses checked");
        foreach (var text in bodies.Append(dom))
        {
            text.ShouldNotContain(WorkerFixture.PlantedValue, Case.Sensitive, "no value in the page or any response");
            foreach (var ciphertext in _ciphertexts)
            {
                text.ShouldNotContain(ciphertext[..40], Case.Sensitive, "no ciphertext in the page or any response");
            }
        }

        recorded.Requests.ShouldAllBe(r => r.Url.StartsWith(_worker.BaseUrl + "/", StringComparison.Ordinal) && r.Method == "GET", "only GETs to the worker");
        recorded.Console.ShouldBeEmpty("no console message: a CSP violation or a script error would show here");
        var document = recorded.Responses.Single(r => r.Url.EndsWith("/ui/status.html", StringComparison.Ordinal));
        document.Headers["content-security-policy"].ShouldContain("script-src 'self'");
        await File.WriteAllTextAsync(UiArtifacts.File("status-requests.txt"), string.Join("\n", recorded.Responses.Select(r => $"GET {r.Url} -> {r.Status} {r.Body.Length} bytes")) + "\n");
    }

    [Fact]
    public async Task StatusPage_SecretFromSharedSecret_ShowsItsAccessNamesAndNeverAValueOrCiphertext()
    {
        var ciphertexts = new List<string>();
        await using var worker = await WorkerFixture.StartAsync(prepare: files =>
        {
            var plain = WorkerFixture.Seal("apps", "plain");
            var shared = new SharedSecret
            {
                Sealed = WorkerFixture.Seal("apps", "regcred"),
                Access =
                [
                    new AccessRule { Verbs = ["get"], Users = ["alice"], Teams = ["payments"] },
                    new AccessRule { Verbs = ["get", "watch"], Groups = ["oncall"], ServiceAccounts = [new ServiceAccountRef("ci", "builder")] },
                ],
            };
            ciphertexts.AddRange(plain.EncryptedData.Values.Concat(shared.Sealed.EncryptedData.Values));
            files.Repo.Write("apps/plain.yaml", WorkerFixture.Json(plain));
            files.Repo.Write("apps/team.yaml", ManifestWriter.ToYaml(TeamManifest.ToNode(new Team { Name = "payments", Users = ["carol"] })));
            files.Repo.Write("apps/regcred.yaml", ManifestWriter.ToYaml(SharedSecretManifest.ToNode(shared)));
        });
        await worker.WaitForSyncsAsync(1);
        await using var recorded = await RecordedPage.OpenAsync(chromium);
        var page = recorded.Page;

        await page.GotoAsync($"{worker.BaseUrl}/ui/status.html");
        await page.Locator("#secrets tbody tr:has-text('apps/regcred') ul.access").WaitForAsync();

        var grants = await page.Locator("#secrets tbody tr:has-text('apps/regcred') ul.access li").AllTextContentsAsync();
        grants.ShouldBe(["get: users alice; teams payments", "get, watch: groups oncall; service accounts ci/builder"], "each access rule with its verbs and subjects' names");
        (await page.Locator("#secrets tbody tr:has-text('apps/plain') td:nth-child(7)").TextContentAsync()).ShouldBe("—", "a plain SealedSecret is not shared");
        await page.FillAsync("#search", "builder");
        (await page.Locator("#secrets tbody tr").CountAsync()).ShouldBe(1, "search finds a Secret by a subject of its access");

        await recorded.SettleAsync();
        var bodies = recorded.Responses.Select(r => Encoding.UTF8.GetString(r.Body)).ToList();
        bodies.ShouldContain(b => b.Contains("\"serviceAccounts\"", StringComparison.Ordinal), "the status document with the access was among the responses checked");
        foreach (var text in bodies.Append(await page.ContentAsync()))
        {
            text.ShouldNotContain(WorkerFixture.PlantedValue, Case.Sensitive, "no value in the page or any response");
            foreach (var ciphertext in ciphertexts)
            {
                text.ShouldNotContain(ciphertext[..40], Case.Sensitive, "no ciphertext in the page or any response");
            }
        }

        recorded.Console.ShouldBeEmpty("no script error");
    }

    [Fact]
    public async Task StatusPage_AutoRefresh_PicksUpTheNextSync()
    {
        await using var recorded = await RecordedPage.OpenAsync(chromium);
        var page = recorded.Page;
        await page.Clock.InstallAsync();
        await page.GotoAsync($"{_worker.BaseUrl}/ui/status.html");
        await page.Locator("#failures li.error").WaitForAsync();
        var before = recorded.Requests.Count(r => r.Url.EndsWith("/ui/status.json", StringComparison.Ordinal));

        await page.Clock.RunForAsync(10_000);
        await page.WaitForResponseAsync(r => r.Url.EndsWith("/ui/status.json", StringComparison.Ordinal) && r.Ok, new() { Timeout = 30_000 });

        recorded.Requests.Count(r => r.Url.EndsWith("/ui/status.json", StringComparison.Ordinal)).ShouldBeGreaterThan(before, "the page asks again after 10 seconds");
    }

    [Fact]
    public async Task StatusPage_At360PixelsWide_HasNoSidewaysScrollingOutsideTheTables()
    {
        await using var recorded = await RecordedPage.OpenAsync(chromium, width: 360, scheme: ColorScheme.Dark);
        var page = recorded.Page;
        await page.GotoAsync($"{_worker.BaseUrl}/ui/status.html");
        await page.Locator("#failures li.error").WaitForAsync();

        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(360, "wide tables scroll inside their own box");
    }

    [Fact]
    public async Task UiOff_WorkerUiFalse_ServesNoPage()
    {
        await using var worker = await WorkerFixture.StartAsync(configure: c => c.Worker.Ui.Enabled = false);

        (await worker.Http.GetAsync("/ui/")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await worker.Http.GetAsync("/ui/status.json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await worker.Http.GetAsync("/status")).StatusCode.ShouldBe(HttpStatusCode.OK, "the rest of the listener is unchanged");
    }

    [Fact]
    public async Task UiAuth_BearerToken_PageAsksForItAndShowsStatusOnceGiven()
    {
        using var tokenDirectory = new TempDirectory();
        var tokenFile = tokenDirectory.Write("token", "ui-token-5150\n");
        await using var worker = await WorkerFixture.StartAsync(configure: c => c.Worker.Ui.Auth.BearerTokenFile = tokenFile);
        (await worker.Http.GetAsync("/ui/status.json")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await worker.Http.GetAsync("/ui/")).StatusCode.ShouldBe(HttpStatusCode.OK, "the page's files are not secret; the data is");

        await using var recorded = await RecordedPage.OpenAsync(chromium);
        var page = recorded.Page;
        await page.GotoAsync($"{worker.BaseUrl}/ui/status.html");
        await page.Locator("#token-form").WaitForAsync();
        await page.FillAsync("#token", "wrong");
        await page.ClickAsync("#token-form button");
        await page.Locator("#token-error").WaitForAsync();
        await page.FillAsync("#token", "ui-token-5150");
        await page.ClickAsync("#token-form button");
        await page.Locator("#token-form").WaitForAsync(new() { State = WaitForSelectorState.Hidden });

        (await page.TextContentAsync("#overview"))!.ShouldContain("Ready");
        (await page.Context.CookiesAsync()).ShouldBeEmpty("the token stays in the page's memory, not in a cookie");
    }

    [Fact]
    public async Task UiAuth_TrustedHeader_RequiresTheProxysHeader()
    {
        await using var worker = await WorkerFixture.StartAsync(configure: c => c.Worker.Ui.Auth.TrustedHeader = "X-Forwarded-User");

        (await worker.Http.GetAsync("/ui/status.json")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "no proxy header: not signed in");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/status.json");
        request.Headers.Add("X-Forwarded-User", "alice@example.com");
        (await worker.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
