using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Ui;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace GitOpsSecrets.Tests.Ui;

/// <summary>
/// The seal page in headless Chromium, served by the local <c>ui</c> server on loopback port 0 with the
/// vector certificate: every type and scope sealed in the browser, opened again by our Unsealer and by
/// the node:crypto peer, compared with what <c>seal</c> writes, and every request the page made checked.
/// </summary>
[Collection(nameof(BrowserCollection))]
public sealed class SealPageTests(Chromium chromium) : IAsyncLifetime
{
    private const string Planted = "ui-planted-4b1d9e";

    private readonly TempDirectory _files = new();
    private SealingKey _key = null!;
    private WebApplication _server = null!;
    private string _origin = string.Empty;
    private string _pageUrl = string.Empty;

    public static TheoryData<string, string> TypesAndScopes()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in new[] { SecretTypes.Opaque, SecretTypes.DockerConfigJson, SecretTypes.Tls, SecretTypes.BasicAuth, SecretTypes.SshAuth })
        {
            foreach (var scope in Vectors.Scopes)
            {
                data.Add(type, scope);
            }
        }

        return data;
    }

    public async Task InitializeAsync()
    {
        _key = Vectors.LoadKey();
        _server = LocalUiServer.Build(_key, "http://127.0.0.1:0");
        await _server.StartAsync();
        var page = LocalUiServer.PageAddress(_server);
        _pageUrl = page.ToString();
        _origin = page.GetLeftPart(UriPartial.Authority);
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        _key.Dispose();
        _files.Dispose();
    }

    [Theory]
    [MemberData(nameof(TypesAndScopes))]
    public async Task SealPage_EachTypeAndScope_OpensToTheSamePlaintextAndMatchesTheCli(string type, string scope)
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        var expected = await FillTypeAsync(page, type);
        await FillIdentityAsync(page, "db", "apps", scope);

        await page.ClickAsync("#seal");
        await page.Locator("#output").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        var yaml = await page.InputValueAsync("#output-yaml");
        var json = await page.InputValueAsync("#output-json");

        var fromYaml = Read(yaml, "page.yaml");
        var fromJson = Read(json, "page.json");
        ManifestFormats.Write([SealedSecretManifest.ToNode(fromYaml)], ManifestFormat.Yaml).ShouldBe(yaml, "the page's YAML must be byte for byte what the Manifests room's writer prints");
        ManifestFormats.Write([SealedSecretManifest.ToNode(fromJson)], ManifestFormat.Json).ShouldBe(json, "the page's JSON must be byte for byte what the Manifests room's writer prints");
        fromJson.EncryptedData.ShouldBe(fromYaml.EncryptedData, "YAML and JSON show the same sealed values");
        fromYaml.Scope.ShouldBe(Parse(scope));
        fromYaml.Template.Type.ShouldBe(type);

        var opened = new Unsealer(Engines.Cipher("openssl")).Unseal(fromYaml, new KeyRing([_key]));
        opened.Succeeded.ShouldBeTrue($"our Unsealer must open what the page sealed: {opened.Error}");
        opened.Secret!.Data.Keys.ShouldBe(expected.Keys.Order(StringComparer.Ordinal), ignoreOrder: false);
        foreach (var (key, value) in expected)
        {
            opened.Secret.Data[key].ShouldBe(value, $"data key {key} must open to what was typed");
        }

        var peer = await NodePeers.NodeUnsealAsync(Vectors.Path("sealing-key.key.pem"), LabelText(scope, "apps", "db"), fromYaml.EncryptedData);
        peer.ShouldNotBeNull("the node:crypto peer must open every value the page sealed");
        foreach (var (key, value) in expected)
        {
            peer[key].ShouldBe(value, $"the node peer opens {key} to what was typed");
        }

        var cli = await SealWithCliAsync(type, scope, expected);
        Masked(yaml).ShouldBe(Masked(cli), "apart from the random ciphertexts, the page writes what `seal` writes for the same Secret");

        await recorded.SettleAsync();
        AssertOnlyOwnRequests(recorded, expected.Values);
    }

    [Theory]
    [MemberData(nameof(ScopeNames))]
    public async Task SealPage_RawValue_OpensWithTheScopeLabel(string scope)
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        await page.CheckAsync("#raw");
        await FillIdentityAsync(page, "db", "apps", scope);
        await page.FillAsync("#raw-value", Planted);

        await page.ClickAsync("#seal");
        await page.Locator("#raw-output").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        var value = await page.InputValueAsync("#output-raw");

        (await page.Locator("#document-output").IsHiddenAsync()).ShouldBeTrue("raw mode prints only the value, as kubeseal --raw does");
        var opened = Engines.Cipher("openssl").TryOpen([_key], SealingScopes.Label(Parse(scope), "apps", "db"), value);
        opened.ShouldNotBeNull($"the raw value must open with the {scope} label");
        Encoding.UTF8.GetString(opened.Plaintext).ShouldBe(Planted);
        var wrongLabel = Engines.Cipher("openssl").TryOpen([_key], SealingScopes.Label(Parse(scope), "apps", "other"), value);
        if (scope == "strict")
        {
            wrongLabel.ShouldBeNull("a strict value is bound to its name");
        }

        var peer = await NodePeers.NodeUnsealAsync(Vectors.Path("sealing-key.key.pem"), LabelText(scope, "apps", "db"), new Dictionary<string, string> { ["value"] = value });
        peer.ShouldNotBeNull("the node peer opens the raw value");
        Encoding.UTF8.GetString(peer["value"]).ShouldBe(Planted);
        await recorded.SettleAsync();
        AssertOnlyOwnRequests(recorded, [Encoding.UTF8.GetBytes(Planted)]);
    }

    public static TheoryData<string> ScopeNames() => new(Vectors.Scopes);

    [Fact]
    public async Task SealPage_FileRowAndClusterWideWithoutNamespace_SealsTheFileBytes()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        var bytes = new byte[] { 0, 1, 2, 0xfe, 0xff, (byte)'\n' }.Concat(Encoding.UTF8.GetBytes(Planted)).ToArray();
        await FillIdentityAsync(page, "blob", string.Empty, "cluster-wide");
        await page.SelectOptionAsync("#row-1-source", "file");
        await page.SetInputFilesAsync("#row-1-file", new FilePayload { Name = "key.bin", MimeType = "application/octet-stream", Buffer = bytes });

        await page.ClickAsync("#seal");
        await page.Locator("#output").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        var sealedSecret = Read(await page.InputValueAsync("#output-yaml"), "page.yaml");

        sealedSecret.Metadata.Namespace.ShouldBeNull("no namespace was given, and a cluster-wide SealedSecret needs none");
        sealedSecret.EncryptedData.Keys.ToList().ShouldBe(["key.bin"], customMessage: "a file's name is its key unless one is typed");
        var opened = new Unsealer(Engines.Cipher("openssl")).Unseal(sealedSecret, new KeyRing([_key]));
        opened.Secret!.Data["key.bin"].ShouldBe(bytes, "binary file content is sealed byte for byte");
        await recorded.SettleAsync();
        AssertOnlyOwnRequests(recorded, [bytes]);
    }

    [Fact]
    public async Task SealPage_InvalidNamesAndKeys_ShowsTheSecretsRoomMessagesAndSealsNothing()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        await FillIdentityAsync(page, "Bad_Name", "apps", "strict");
        await page.FillAsync("#row-1-key", "bad key!");
        await page.FillAsync("#row-1-value", Planted);
        var requestsBefore = recorded.Requests.Count;

        await page.ClickAsync("#seal");
        await page.Locator("#name-error").WaitForAsync(new() { State = WaitForSelectorState.Visible });

        var secret = new Secret { Metadata = new ObjectMetadata { Name = "Bad_Name", Namespace = "apps" } };
        secret.Data["bad key!"] = Encoding.UTF8.GetBytes(Planted);
        var problems = SecretValidator.Validate(secret);
        problems.Count.ShouldBe(2, "the Secrets room refuses the name and the key");
        (await page.TextContentAsync("#name-error")).ShouldBe(problems.Single(p => p.StartsWith("metadata.name", StringComparison.Ordinal)), "the name's error, in the CLI's words, next to the name");
        (await page.TextContentAsync("#row-1-error")).ShouldBe(problems.Single(p => p.StartsWith("data[", StringComparison.Ordinal)), "the key's error, in the CLI's words, next to the key");
        (await page.GetAttributeAsync("#name", "aria-invalid")).ShouldBe("true");
        await AssertNothingSealedAsync(page);
        recorded.Requests.Count.ShouldBe(requestsBefore, "refusing input makes no request");
        await recorded.SettleAsync();
        AssertOnlyOwnRequests(recorded, [Encoding.UTF8.GetBytes(Planted)]);
    }

    [Fact]
    public async Task SealPage_TypedFieldsMissingOrMismatched_ShowsTheFieldErrorAndSealsNothing()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        await FillIdentityAsync(page, "db", "apps", "strict");
        await page.SelectOptionAsync("#type", SecretTypes.DockerConfigJson);
        await page.FillAsync("#docker-username", "robot");
        await page.ClickAsync("#seal");
        (await page.TextContentAsync("#docker-username-error")).ShouldBe("docker-registry: --docker-username and --docker-password are required");
        await AssertNothingSealedAsync(page);

        var (certificate, _) = TlsPair();
        var (_, otherKey) = TlsPair();
        await page.SelectOptionAsync("#type", SecretTypes.Tls);
        await page.FillAsync("#tls-cert", certificate);
        await page.FillAsync("#tls-key", otherKey);
        await page.ClickAsync("#seal");
        (await page.TextContentAsync("#tls-key-error")).ShouldBe("tls: tls.crt and tls.key are not a matching certificate and private key");
        await AssertNothingSealedAsync(page);

        await page.SelectOptionAsync("#type", SecretTypes.SshAuth);
        await page.ClickAsync("#seal");
        (await page.TextContentAsync("#ssh-key-error")).ShouldBe("type kubernetes.io/ssh-auth requires data key \"ssh-privatekey\"");
        await AssertNothingSealedAsync(page);

        await page.CheckAsync("#raw");
        await page.FillAsync("#name", string.Empty);
        await page.ClickAsync("#seal");
        (await page.TextContentAsync("#name-error")).ShouldBe("must provide the --name flag with --raw and --scope strict");
        await AssertNothingSealedAsync(page);
    }

    [Fact]
    public async Task SealPage_Certificate_ShowsTheFingerprintAndAgeAsTheCliPrintsThem()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;

        (await page.TextContentAsync("#certificate-fingerprint")).ShouldBe(_key.Fingerprint, "the fingerprint is the hex SHA-256 of the SubjectPublicKeyInfo, as keys list prints it");
        (await page.TextContentAsync("#certificate-short")).ShouldBe(_key.ShortFingerprint);
        (await page.TextContentAsync("#certificate-age"))!.ShouldContain(_key.NotBefore.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC");
        (await page.TextContentAsync("#certificate-size")).ShouldBe("RSA 4096 bits");
    }

    [Fact]
    public async Task SealPage_HeadersAndAssets_StrictCspNoCookiesNoInlineCode()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        await FillIdentityAsync(page, "db", "apps", "strict");
        await page.FillAsync("#row-1-key", "password");
        await page.FillAsync("#row-1-value", Planted);
        await page.ClickAsync("#seal");
        await page.Locator("#output").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        await recorded.SettleAsync();

        var document = recorded.Responses.Single(r => r.Url == _pageUrl);
        document.Headers["content-security-policy"].ShouldBe(UiEndpoints.ContentSecurityPolicy);
        document.Headers["content-security-policy"].ShouldContain("default-src 'self'");
        document.Headers["content-security-policy"].ShouldNotContain("unsafe-inline");
        document.Headers["x-content-type-options"].ShouldBe("nosniff");
        document.Headers["referrer-policy"].ShouldBe("no-referrer");
        recorded.Responses.ShouldAllBe(r => !r.Headers.ContainsKey("set-cookie"), "the page sets no cookie");
        (await page.Context.CookiesAsync()).ShouldBeEmpty("no cookie is stored");
        recorded.Console.ShouldBeEmpty("no console message: a CSP violation or a script error would show here");
        foreach (var asset in UiAssets.All.Where(a => a.Name.EndsWith(".html", StringComparison.Ordinal)))
        {
            var html = Encoding.UTF8.GetString(asset.Content);
            System.Text.RegularExpressions.Regex.IsMatch(html, "<script(?![^>]*\\bsrc=)").ShouldBeFalse($"{asset.Name}: no inline script");
            html.ShouldNotContain("<style", customMessage: $"{asset.Name}: no inline style element");
            html.ShouldNotContain(" style=", customMessage: $"{asset.Name}: no style attribute");
            System.Text.RegularExpressions.Regex.IsMatch(html, "(src|href)=\"(https?:)?//").ShouldBeFalse($"{asset.Name}: no external script, style or link");
        }

        await File.WriteAllTextAsync(UiArtifacts.File("seal-requests.txt"), RequestLog(recorded));
        await page.ScreenshotAsync(new() { Path = UiArtifacts.File("ui-seal.png"), FullPage = true });
        AssertOnlyOwnRequests(recorded, [Encoding.UTF8.GetBytes(Planted)]);
    }

    [Fact]
    public async Task SealPage_At360PixelsWide_HasNoSidewaysScrolling()
    {
        await using var recorded = await OpenAsync(width: 360, scheme: ColorScheme.Dark);
        var page = recorded.Page;
        await page.SelectOptionAsync("#type", SecretTypes.DockerConfigJson);
        await page.ClickAsync("#seal");
        await page.Locator("#name-error").WaitForAsync(new() { State = WaitForSelectorState.Visible });

        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(360, "the form fits a 360 px screen");
        (await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor")).ShouldBe("rgb(23, 25, 35)", "dark scheme follows prefers-color-scheme");
        await page.ScreenshotAsync(new() { Path = UiArtifacts.File("ui-seal-360-dark.png"), FullPage = true });
    }

    [Fact]
    public async Task SealPage_Keyboard_LabelsFocusTheirFieldsAndEnterSeals()
    {
        await using var recorded = await OpenAsync();
        var page = recorded.Page;
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("db");
        await page.GetByLabel("Namespace", new() { Exact = true }).FillAsync("apps");
        await page.GetByLabel("Key", new() { Exact = true }).FillAsync("password");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync(Planted);
        await page.FocusAsync("#name");
        await page.Keyboard.PressAsync("Enter");

        await page.Locator("#output").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        (await page.EvaluateAsync<string>("document.activeElement.id")).ShouldBe("output-title", "focus moves to the result so a screen reader announces it");
    }

    /// <summary>Strings whose JSON escaping or YAML quoting is easy to get wrong (YAML 1.1 booleans, numbers, indicators, controls).</summary>
    public static TheoryData<string> WriterSamples() => new(
        "plain", "quote\" backslash\\ slash/", "control\u0001\u001f\u007f\u0085", "tab\t nl\n cr\r", "é ü 日本", "emoji 😀", "<html>&'", "\u2028\u2029",
        "\\u00ab literal", "on", "n", "Y", "off", "NO", "null", "~", "", " lead", "trail ", "0123", "1e3", "12_000", "0x1F", ".inf", "-.5",
        "9223372036854775808", "-x", "- x", ":x", "a: b", "a #b", "#c", "ends:", "---", "<<", "*alias", "!tag", "'single'", "@at", "%pct", "`tick`", "a,b", "[x]");

    [Theory]
    [MemberData(nameof(WriterSamples))]
    public async Task ManifestJs_Writers_MatchTheManifestsRoomForTrickyStrings(string sample)
    {
        await using var recorded = await OpenAsync();
        var node = new System.Text.Json.Nodes.JsonObject { [sample.Length == 0 ? "empty" : sample] = sample };

        var json = await recorded.Page.EvaluateAsync<string>("async s => (await import('./manifest.js')).toJson({ [s.length === 0 ? 'empty' : s]: s })", sample);
        var compact = await recorded.Page.EvaluateAsync<string>("async s => (await import('./manifest.js')).toCompactJson({ v: s })", sample);
        var yaml = await recorded.Page.EvaluateAsync<string>("async s => (await import('./manifest.js')).toYaml({ [s.length === 0 ? 'empty' : s]: s })", sample);

        json.ShouldBe(ManifestWriter.ToJson(node), "the page's JSON escaping is System.Text.Json's");
        compact.ShouldBe(ManifestWriter.ToCompactJson(new System.Text.Json.Nodes.JsonObject { ["v"] = sample }), "the page's compact JSON (.dockerconfigjson) is the CLI's");
        yaml.ShouldBe(ManifestWriter.ToYaml(node), "the page quotes a YAML scalar exactly when the Manifests room does");
    }

    private async Task<RecordedPage> OpenAsync(int width = 1280, ColorScheme scheme = ColorScheme.Light)
    {
        var recorded = await RecordedPage.OpenAsync(chromium, width, scheme: scheme);
        await recorded.Page.GotoAsync(_pageUrl);
        await recorded.Page.Locator("#certificate-facts").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        return recorded;
    }

    private static async Task FillIdentityAsync(IPage page, string name, string @namespace, string scope)
    {
        await page.FillAsync("#name", name);
        await page.FillAsync("#namespace", @namespace);
        await page.CheckAsync($"input[name=scope][value={scope}]");
    }

    /// <summary>Fills the fields of a type; returns the data the Secret must hold.</summary>
    private static async Task<Dictionary<string, byte[]>> FillTypeAsync(IPage page, string type)
    {
        await page.SelectOptionAsync("#type", type);
        var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        switch (type)
        {
            case SecretTypes.Opaque:
                await page.FillAsync("#row-1-key", "password");
                await page.FillAsync("#row-1-value", Planted);
                await page.ClickAsync("#add-row");
                await page.FillAsync("#row-2-key", "config.yaml");
                await page.FillAsync("#row-2-value", $"user: app\npass: {Planted}\n");
                expected["password"] = Encoding.UTF8.GetBytes(Planted);
                expected["config.yaml"] = Encoding.UTF8.GetBytes($"user: app\npass: {Planted}\n");
                break;
            case SecretTypes.DockerConfigJson:
                var password = $"{Planted}\"\\ é";
                await page.FillAsync("#docker-server", "registry.example.com");
                await page.FillAsync("#docker-username", "robot");
                await page.FillAsync("#docker-password", password);
                await page.FillAsync("#docker-email", "robot@example.com");
                expected[".dockerconfigjson"] = TypedSecrets.DockerRegistry("db", "apps", "registry.example.com", "robot", password, "robot@example.com").Data[".dockerconfigjson"];
                break;
            case SecretTypes.Tls:
                var (certificate, key) = TlsPair();
                await page.FillAsync("#tls-cert", certificate);
                await page.FillAsync("#tls-key", key);
                expected["tls.crt"] = Encoding.UTF8.GetBytes(certificate);
                expected["tls.key"] = Encoding.UTF8.GetBytes(key);
                break;
            case SecretTypes.BasicAuth:
                await page.FillAsync("#basic-username", "admin");
                await page.FillAsync("#basic-password", Planted);
                expected["username"] = Encoding.UTF8.GetBytes("admin");
                expected["password"] = Encoding.UTF8.GetBytes(Planted);
                break;
            case SecretTypes.SshAuth:
                var sshKey = $"-----BEGIN OPENSSH PRIVATE KEY-----\n{Planted}\n-----END OPENSSH PRIVATE KEY-----\n";
                await page.FillAsync("#ssh-key", sshKey);
                await page.FillAsync("#ssh-known-hosts", "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
                expected["ssh-privatekey"] = Encoding.UTF8.GetBytes(sshKey);
                expected["known_hosts"] = Encoding.UTF8.GetBytes("git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
                break;
        }

        return expected;
    }

    /// <summary>A self-signed certificate and its PKCS#8 private key, as PEM text.</summary>
    private static (string Certificate, string Key) TlsPair()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=app.example.com", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem() + "\n", rsa.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private async Task<string> SealWithCliAsync(string type, string scope, Dictionary<string, byte[]> data)
    {
        var args = new List<string> { "seal", "--cert", Vectors.Path("sealing-key.crt.pem"), "--name", "db", "--namespace", "apps", "--scope", scope, "--type", type, "-o", "yaml" };
        foreach (var (key, value) in data)
        {
            var path = _files.File($"{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(path, value);
            args.AddRange(["--from-file", $"{key}={path}"]);
        }

        var result = await new CliRunner().RunAsync([.. args]);
        result.ExitCode.ShouldBe(0, result.ToString());
        return result.Stdout;
    }

    private static SealedSecret Read(string text, string name) =>
        SealedSecretManifest.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(text), name));

    /// <summary>The document with each sealed value replaced: what stays when the random ciphertexts are set aside.</summary>
    private static string Masked(string yaml)
    {
        var sealedSecret = Read(yaml, "masked.yaml");
        foreach (var key in sealedSecret.EncryptedData.Keys.ToList())
        {
            sealedSecret.EncryptedData[key] = "(sealed)";
        }

        return ManifestFormats.Write([SealedSecretManifest.ToNode(sealedSecret)], ManifestFormat.Yaml);
    }

    private static SealingScope Parse(string scope) => SealingScopes.TryParse(scope, out var parsed) ? parsed : throw new ArgumentException(scope);

    private static string LabelText(string scope, string @namespace, string name) => Encoding.UTF8.GetString(SealingScopes.Label(Parse(scope), @namespace, name));

    private static async Task AssertNothingSealedAsync(IPage page)
    {
        (await page.Locator("#output").IsHiddenAsync()).ShouldBeTrue("invalid input produces no output");
        (await page.InputValueAsync("#output-yaml")).ShouldBeEmpty();
        (await page.InputValueAsync("#output-json")).ShouldBeEmpty();
        (await page.InputValueAsync("#output-raw")).ShouldBeEmpty();
        (await page.TextContentAsync("#form-status"))!.ShouldStartWith("Nothing was sealed");
    }

    /// <summary>Every request went to this server, was a GET, and carried none of the plaintexts in its URL, headers or body.</summary>
    private void AssertOnlyOwnRequests(RecordedPage recorded, IEnumerable<byte[]> plaintexts)
    {
        recorded.Requests.ShouldNotBeEmpty();
        var secrets = plaintexts.Select(p => Encoding.UTF8.GetString(p)).Append(Planted).Where(s => s.Length >= 8).ToList();
        foreach (var request in recorded.Requests)
        {
            request.Url.ShouldStartWith(_origin + "/", customMessage: $"the page asked only its own server on 127.0.0.1, not {request.Url}");
            request.Method.ShouldBe("GET", $"the page sends nothing: {request.Method} {request.Url}");
            request.Body.ShouldBeNull($"no request body: {request.Url}");
            var seen = request.Url + "\n" + string.Join("\n", request.Headers.Select(h => $"{h.Key}: {h.Value}"));
            foreach (var secret in secrets)
            {
                seen.ShouldNotContain(secret, Case.Sensitive, $"a plaintext left the page in {request.Url}");
            }
        }

        recorded.Requests.Select(r => new Uri(r.Url).AbsolutePath).Distinct().Order(StringComparer.Ordinal)
            .ShouldBeSubsetOf(["/ui/", "/ui/cert.js", "/ui/common.js", "/ui/icon.svg", "/ui/index.html", "/ui/kubeseal.js", "/ui/manifest.js", "/ui/rules.js", "/ui/seal.js", "/ui/typed.js", "/ui/ui.css", "/v1/cert.pem"]);
    }

    private static string RequestLog(RecordedPage recorded) =>
        string.Join("\n", recorded.Requests.Select(r =>
        {
            var response = recorded.Responses.FirstOrDefault(s => s.Url == r.Url);
            return $"{r.Method} {r.Url} -> {response?.Status} {response?.Body.Length} bytes";
        })) + "\n";
}
