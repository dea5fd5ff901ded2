using System.Text;
using GitOpsSecrets.Cli;
using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sharing;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Cli;

/// <summary>
/// <c>shared create|set-key|remove-key|access|get|who-can</c> through the in-process CLI with real files
/// and real crypto: what create writes opens with our unsealer to the planted values, set-key leaves every
/// other byte alone, access edits keep the sealed values, and no value is ever printed.
/// </summary>
public sealed class SharedCommandTests : IDisposable
{
    private const string Planted = "planted-shared-value-5b2e";
    private const string PlantedNew = "planted-shared-new-value-c81d";
    private readonly CliRunner _cli = new();
    private readonly TempDirectory _repo = new();
    private readonly string _cert = Vectors.Path("sealing-key.crt.pem");

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Create_LiteralsAndAccess_OpensToPlantedValuesWithStrictScope()
    {
        var file = _repo.File("apps/db.yaml");

        var result = await _cli.RunAsync("shared", "create", "db", "-n", "payments", "--cert", _cert,
            "--from-literal", $"password={Planted}", "--from-literal", "user=app",
            "--verbs", "get,list", "--user", "alice", "--team", "payments-team", "--service-account", "ci/deployer",
            "--distribute-to", "payments-staging", "-w", file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.All.ShouldNotContain(Planted);
        var text = File.ReadAllText(file);
        text.ShouldNotContain(Planted, Case.Sensitive, "the file holds ciphertext only");
        var shared = ReadShared(file);
        shared.Name.ShouldBe("db");
        shared.HomeNamespace.ShouldBe("payments");
        shared.Sealed.Scope.ShouldBe(SealingScope.Strict, "a shared secret is sealed for its home namespace and name");
        var rule = shared.Access.ShouldHaveSingleItem();
        rule.Verbs.ShouldBe(["get", "list"]);
        rule.Users.ShouldBe(["alice"]);
        rule.Teams.ShouldBe(["payments-team"]);
        rule.ServiceAccounts.ShouldBe([new ServiceAccountRef("ci", "deployer")]);
        shared.Distribute.Namespaces.ShouldBe(["payments-staging"]);
        var opened = Unseal(shared);
        Encoding.UTF8.GetString(opened["password"]).ShouldBe(Planted, "our unsealer opens what shared create sealed");
        Encoding.UTF8.GetString(opened["user"]).ShouldBe("app");
    }

    [Fact]
    public async Task Create_ImagePullOnOpaque_RefusedByTheReader()
    {
        var result = await _cli.RunAsync("shared", "create", "db", "-n", "payments", "--cert", _cert,
            "--from-literal", $"password={Planted}", "--image-pull-service-account", "default");

        result.ExitCode.ShouldBe(ExitCodes.InvalidInput, result.ToString());
        result.Stderr.ShouldContain("spec.imagePull needs spec.template.type kubernetes.io/dockerconfigjson", Case.Sensitive, result.ToString());
        result.Stdout.ShouldBeEmpty("nothing is written when the result would be refused");
        result.All.ShouldNotContain(Planted);
    }

    [Fact]
    public async Task Create_UnknownVerb_UsageError()
    {
        var result = await _cli.RunAsync("shared", "create", "db", "-n", "payments", "--cert", _cert, "--from-literal", $"password={Planted}", "--verbs", "create", "--user", "alice");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldBe("error: --verbs: unknown verb \"create\" (expected get, list, watch, update, patch, delete)\n");
    }

    [Fact]
    public async Task SetKey_NewAndExistingKey_OtherBytesUntouchedAndOpens()
    {
        var file = await CreateAsync("db", "--from-literal", $"password={Planted}", "--from-literal", "user=app");
        var comment = "# owned by the payments team\n";
        File.WriteAllText(file, comment + File.ReadAllText(file));
        var before = File.ReadAllText(file);
        var userCiphertext = ReadShared(file).Sealed.EncryptedData["user"];

        var added = await _cli.RunAsync("shared", "set-key", file, "token", "--from-literal", PlantedNew, "--cert", _cert);
        var replaced = await _cli.RunAsync("shared", "set-key", file, "password", "--from-literal", PlantedNew, "--cert", _cert);

        added.ExitCode.ShouldBe(ExitCodes.Success, added.ToString());
        replaced.ExitCode.ShouldBe(ExitCodes.Success, replaced.ToString());
        (added.All + replaced.All).ShouldNotContain(PlantedNew);
        var after = File.ReadAllText(file);
        after.ShouldStartWith(comment, Case.Sensitive, "comments are kept");
        var shared = ReadShared(file);
        shared.Sealed.EncryptedData["user"].ShouldBe(userCiphertext, "the other key's ciphertext is untouched");
        after.ShouldContain(userCiphertext);
        var opened = Unseal(shared);
        Encoding.UTF8.GetString(opened["password"]).ShouldBe(PlantedNew);
        Encoding.UTF8.GetString(opened["token"]).ShouldBe(PlantedNew);
        Encoding.UTF8.GetString(opened["user"]).ShouldBe("app");
        var unchangedLines = before.Split('\n').Where(l => !l.TrimStart().StartsWith("password:", StringComparison.Ordinal)).ToList();
        unchangedLines.ShouldAllBe(l => after.Split('\n').Contains(l), "every line but the re-sealed one is kept as it was");
    }

    [Fact]
    public async Task RemoveKey_DropsOnlyThatKey()
    {
        var file = await CreateAsync("db", "--from-literal", $"password={Planted}", "--from-literal", "user=app");
        var passwordCiphertext = ReadShared(file).Sealed.EncryptedData["password"];

        var result = await _cli.RunAsync("shared", "remove-key", file, "user");
        var missing = await _cli.RunAsync("shared", "remove-key", file, "user");

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        var shared = ReadShared(file);
        shared.Sealed.EncryptedData.Keys.ShouldBe(["password"]);
        shared.Sealed.EncryptedData["password"].ShouldBe(passwordCiphertext);
        missing.ExitCode.ShouldBe(ExitCodes.InvalidInput, missing.ToString());
        missing.Stderr.ShouldContain("has no key user (it has password)", Case.Sensitive, missing.ToString());
    }

    [Fact]
    public async Task AccessAddRemove_EditsRulesAndKeepsCiphertext()
    {
        var file = await CreateAsync("db", "--from-literal", $"password={Planted}", "--verbs", "get,list", "--user", "alice,bob");
        var ciphertext = ReadShared(file).Sealed.EncryptedData["password"];

        var add = await _cli.RunAsync("shared", "access", "add", file, "--verbs", "get", "--team", "payments", "--group", "auditors");
        var remove = await _cli.RunAsync("shared", "access", "remove", file, "--verbs", "list", "--user", "bob");

        add.ExitCode.ShouldBe(ExitCodes.Success, add.ToString());
        remove.ExitCode.ShouldBe(ExitCodes.Success, remove.ToString());
        var shared = ReadShared(file);
        shared.Sealed.EncryptedData["password"].ShouldBe(ciphertext, "an access edit never touches sealed values");
        var rules = shared.Access.Select(r => $"{string.Join(",", r.Verbs)}: users={string.Join(",", r.Users)} teams={string.Join(",", r.Teams)} groups={string.Join(",", r.Groups)}").ToList();
        rules.ShouldBe(
            ["get,list: users=alice teams= groups=", "get: users=bob teams=payments groups=auditors"],
            "bob loses list and keeps get, which joins the existing get rule");

        var all = await _cli.RunAsync("shared", "access", "remove", file, "--user", "alice");
        all.ExitCode.ShouldBe(ExitCodes.Success, all.ToString());
        ReadShared(file).Access.SelectMany(r => r.Users).ShouldNotContain("alice", "without --verbs every verb is taken");
    }

    [Fact]
    public async Task Get_File_PrintsKeysAndExpandedTeamsNeverValues()
    {
        var file = await CreateAsync("db", "--from-literal", $"password={Planted}", "--verbs", "get", "--team", "payments", "--user", "alice");
        _repo.Write("teams/payments.yaml", "apiVersion: gitops-secrets.io/v1alpha1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  users: [bob, carol]\n  groups: [payments-devs]\n");
        Directory.CreateDirectory(_repo.File(".git"));

        var result = await _cli.RunAsync("shared", "get", file);

        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        result.Stdout.ShouldContain("SharedSecret:  payments/db\n");
        result.Stdout.ShouldContain("keys:          password\n");
        result.Stdout.ShouldContain("  get: users alice; team payments (users bob, carol; groups payments-devs)\n", Case.Sensitive, result.ToString());
        result.All.ShouldNotContain(Planted);
        result.Stdout.ShouldNotContain(ReadShared(file).Sealed.EncryptedData["password"], Case.Sensitive, "not even the ciphertext is printed");
    }

    [Fact]
    public async Task WhoCan_Repo_ListsSubjectsWithTeamsExpanded()
    {
        await CreateAsync("db", "--from-literal", $"password={Planted}", "--verbs", "get", "--team", "payments", "--user", "alice", "--distribute-to", "payments-staging");
        await _cli.RunAsync("shared", "access", "add", _repo.File("apps/db.yaml"), "--verbs", "delete", "--user", "root-admin");
        _repo.Write("teams/payments.yaml", "apiVersion: gitops-secrets.io/v1alpha1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  users: [bob]\n  groups: [payments-devs]\n");

        var staging = await _cli.RunAsync("shared", "who-can", "payments-staging/db", "get", "--repo", _repo.Path);
        var elsewhere = await _cli.RunAsync("shared", "who-can", "other/db", "get", "--repo", _repo.Path);
        var delete = await _cli.RunAsync("shared", "who-can", "payments/db", "delete", "--repo", _repo.Path);

        staging.ExitCode.ShouldBe(ExitCodes.Success, staging.ToString());
        var lines = staging.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))).ToList();
        lines.ShouldBe(["User alice", "User bob", "Group payments-devs"], staging.ToString());
        elsewhere.Stdout.ShouldStartWith("nobody:", Case.Sensitive, "the secret does not land in namespace other");
        delete.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ShouldHaveSingleItem().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2).ShouldBe(["User", "root-admin"], delete.ToString());
    }

    private async Task<string> CreateAsync(string name, params string[] flags)
    {
        var file = _repo.File($"apps/{name}.yaml");
        var result = await _cli.RunAsync(["shared", "create", name, "-n", "payments", "--cert", _cert, "-w", file, .. flags]);
        result.ExitCode.ShouldBe(ExitCodes.Success, result.ToString());
        return file;
    }

    private static SharedSecret ReadShared(string file) =>
        SharedSecretManifest.Read(ManifestReader.ReadSingle(File.ReadAllBytes(file), file));

    private static IReadOnlyDictionary<string, byte[]> Unseal(SharedSecret shared)
    {
        using var ring = new KeyRing([Vectors.LoadKey()]);
        var result = new Unsealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), new CryptoCounters())).Unseal(shared.Sealed, ring);
        result.Succeeded.ShouldBeTrue(result.Error);
        return result.Secret!.Data;
    }
}
