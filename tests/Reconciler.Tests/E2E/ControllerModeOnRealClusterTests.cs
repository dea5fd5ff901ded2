using System.Text;
using System.Text.Json;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Controller mode (<c>run --source cluster</c>) against the real API server and controller-manager,
/// with the CRD from deploy/controller/: SealedSecret resources become Secrets owned by them (the
/// garbage collector deletes the Secret with its SealedSecret), status and Events as Bitnami's
/// controller writes them, and the migration: Secrets Bitnami's controller made stay exactly as they are.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(RealClusterCollection))]
public sealed class ControllerModeOnRealClusterTests
{
    private const string Planted = "planted-controller-7d41a9";

    [RealClusterFact]
    public async Task Controller_CreateUpdateTamperDelete_SecretFollowsItsSealedSecret_WithStatusEventsAndGarbageCollection()
    {
        await using var world = RealClusterWorker.Start();
        var (keys, apps) = await PrepareAsync(world);
        var worker = StartController(world, keys, apps);
        await ApplyAsync(world, apps, "db", new Dictionary<string, string> { ["password"] = Planted });

        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted, RealClusterWorker.Patience, () => $"the controller creates the Secret\n{worker}");
        var sealedSecret = await ReadSealedSecretAsync(world, apps, "db");
        var secret = (await world.ReadSecretAsync(apps, "db")).ShouldNotBeNull();
        var owner = secret.Metadata.OwnerReferences.ShouldHaveSingleItem("the Secret is owned by its SealedSecret");
        (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller).ShouldBe(("bitnami.com/v1alpha1", "SealedSecret", "db", Uid(sealedSecret), (bool?)true));
        await Poll.UntilAsync(async () => Synced(await ReadSealedSecretAsync(world, apps, "db")) == "True", RealClusterWorker.Patience, () => $"status.conditions Synced True\n{worker}");
        (await ReadSealedSecretAsync(world, apps, "db")).GetProperty("status").GetProperty("observedGeneration").GetInt64().ShouldBe(1);
        await Poll.UntilAsync(async () => (await EventsAsync(world, apps)).Any(e => e.Reason == SecretEventReasons.Unsealed && e.InvolvedObject.Kind == "SealedSecret" && e.InvolvedObject.Uid == Uid(sealedSecret)), RealClusterWorker.Patience, () => "an Unsealed event on the SealedSecret");

        // Update: a new value sealed over the old.
        await ApplyAsync(world, apps, "db", new Dictionary<string, string> { ["password"] = Planted + "-v2" });
        await Poll.UntilAsync(async () => await world.SecretValueAsync(apps, "db", "password") == Planted + "-v2", RealClusterWorker.Patience, () => $"the controller updates the Secret\n{worker}");
        await Poll.UntilAsync(async () => (await ReadSealedSecretAsync(world, apps, "db")).GetProperty("status").GetProperty("observedGeneration").GetInt64() == 2, RealClusterWorker.Patience, () => "observedGeneration follows the generation");

        // Tamper: a value that no key opens. The Secret stays; the condition turns False with an ErrUnsealFailed event.
        var before = (await world.ReadSecretAsync(apps, "db")).ShouldNotBeNull();
        var tampered = await Kubectl.RunAsync(world.Kubeconfig, "-n", apps, "patch", "sealedsecret", "db", "--type", "merge", "-p", """{"spec":{"encryptedData":{"password":"AgBdGFtcGVyZWQtdmFsdWUtdGhhdC1ubyBrZXkgb3BlbnM="}}}""");
        tampered.ExitCode.ShouldBe(0, tampered.ToString());
        await Poll.UntilAsync(async () => Synced(await ReadSealedSecretAsync(world, apps, "db")) == "False", RealClusterWorker.Patience, () => $"status.conditions Synced False after tampering\n{worker}");
        await Poll.UntilAsync(async () => (await EventsAsync(world, apps)).Any(e => e.Reason == SecretEventReasons.UnsealFailed && e.InvolvedObject.Name == "db" && e.Type == "Warning"), RealClusterWorker.Patience, () => "an ErrUnsealFailed event");
        var after = (await world.ReadSecretAsync(apps, "db")).ShouldNotBeNull();
        after.Metadata.ResourceVersion.ShouldBe(before.Metadata.ResourceVersion, "fail closed: a SealedSecret that does not open leaves its Secret as it was");
        var condition = (await ReadSealedSecretAsync(world, apps, "db")).GetProperty("status").GetProperty("conditions")[0];
        condition.GetProperty("reason").GetString().ShouldBe(SecretEventReasons.UnsealFailed);
        condition.GetProperty("message").GetString().ShouldNotBeNullOrEmpty();

        // Delete: the real garbage collector deletes the Secret through its ownerReference.
        var deleted = await Kubectl.RunAsync(world.Kubeconfig, "-n", apps, "delete", "sealedsecret", "db");
        deleted.ExitCode.ShouldBe(0, deleted.ToString());
        await Poll.UntilAsync(async () => await world.ReadSecretAsync(apps, "db") is null, RealClusterWorker.Patience, () => "the controller-manager's garbage collector deletes the owned Secret");

        var everything = worker.Output + JsonSerializer.Serialize(await EventsAsync(world, apps));
        foreach (var value in new[] { Planted, Planted + "-v2" })
        {
            everything.ShouldNotContain(value, Case.Sensitive, "no value in the log or the events");
            everything.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), Case.Sensitive, "not even base64");
        }
    }

    [RealClusterFact]
    public async Task Controller_TakingOverFromBitnami_KeepsTheirSecretsDataAndResourceVersion_AndRefusesForeignSecrets()
    {
        await using var world = RealClusterWorker.Start();
        var (keys, apps) = await PrepareAsync(world);

        // As Bitnami's controller leaves things: the SealedSecret with its status, and the Secret it made,
        // with a controller ownerReference to it and the template's metadata; no label or annotation of ours.
        await ApplyAsync(world, apps, "db", new Dictionary<string, string> { ["password"] = Planted });
        var sealedSecret = await ReadSealedSecretAsync(world, apps, "db");
        var bitnamiMade = await world.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "db",
                    NamespaceProperty = apps,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "bitnami.com/v1alpha1", Kind = "SealedSecret", Name = "db", Uid = Uid(sealedSecret), Controller = true }],
                },
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(Planted) },
            },
            apps,
            fieldManager: "controller");
        var foreign = await world.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "theirs", NamespaceProperty = apps }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("their-value") } }, apps);
        await ApplyAsync(world, apps, "theirs", new Dictionary<string, string> { ["password"] = Planted });

        var worker = StartController(world, keys, apps);
        await Poll.UntilAsync(async () => Synced(await ReadSealedSecretAsync(world, apps, "db")) == "True", RealClusterWorker.Patience, () => $"the controller reconciles the Bitnami-made Secret\n{worker}");
        await Poll.UntilAsync(async () => Synced(await ReadSealedSecretAsync(world, apps, "theirs")) == "False", RealClusterWorker.Patience, () => $"a Secret nobody's SealedSecret made is refused\n{worker}");

        var kept = (await world.ReadSecretAsync(apps, "db")).ShouldNotBeNull();
        kept.Metadata.ResourceVersion.ShouldBe(bitnamiMade.Metadata.ResourceVersion, "a Secret Bitnami's controller made, with the same content, is not written at all");
        Encoding.UTF8.GetString(kept.Data["password"]).ShouldBe(Planted);
        (await world.ReadSecretAsync(apps, "theirs")).ShouldNotBeNull().Metadata.ResourceVersion.ShouldBe(foreign.Metadata.ResourceVersion, "a foreign Secret is left alone");
        (await EventsAsync(world, apps)).ShouldContain(e => e.Reason == SecretEventReasons.UpdateFailed && e.InvolvedObject.Name == "theirs" && e.Message == "Resource \"theirs\" already exists and is not managed by SealedSecret");

        // A restart changes nothing either.
        worker.Kill();
        var again = StartController(world, keys, apps, "controller-2");
        await Poll.UntilAsync(() => Task.FromResult(again.Output.Contains("every SealedSecret listed has been reconciled", StringComparison.Ordinal)), RealClusterWorker.Patience, () => $"the restarted controller settles\n{again}");
        (await world.ReadSecretAsync(apps, "db")).ShouldNotBeNull().Metadata.ResourceVersion.ShouldBe(bitnamiMade.Metadata.ResourceVersion, "still not written after a restart");
        (worker.Output + again.Output).ShouldNotContain(Planted);
    }

    /// <summary>The CRD from deploy/controller/, a key namespace with the vector key (the controller's own namespace), and an apps namespace.</summary>
    private static async Task<(string Keys, string Apps)> PrepareAsync(RealClusterWorker world)
    {
        var crd = await Kubectl.RunAsync(world.Kubeconfig, "apply", "-f", Path.Combine(RepositoryRoot(), "deploy", "controller", "sealedsecrets-crd.yaml"));
        crd.ExitCode.ShouldBe(0, crd.ToString());
        await Poll.UntilAsync(
            async () => (await Kubectl.RunAsync(world.Kubeconfig, "get", "crd", "sealedsecrets.bitnami.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}")).Stdout.Trim() == "True",
            RealClusterWorker.Patience,
            () => "the CRD is established");
        var keys = await world.NamespaceAsync("keys");
        await world.AddVectorKeyAsync(keys);
        return (keys, await world.NamespaceAsync("apps"));
    }

    private static WorkerProcess StartController(RealClusterWorker world, string keys, string apps, string identity = "controller") =>
        world.StartProcess(identity, "run", "--source", "cluster", "--kubeconfig", world.Kubeconfig, "--keys", $"cluster:{keys}", "--key-renew-period", "0",
            "--all-namespaces=false", "--additional-namespaces", apps, "--listen", "127.0.0.1:0");

    private static async Task ApplyAsync(RealClusterWorker world, string @namespace, string name, IReadOnlyDictionary<string, string> values)
    {
        var file = Path.Combine(world.Scratch("sealed"), $"{@namespace}-{name}-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, world.Sealer.Yaml(@namespace, name, values));
        var applied = await Kubectl.RunAsync(world.Kubeconfig, "apply", "-f", file);
        applied.ExitCode.ShouldBe(0, applied.ToString());
    }

    private static async Task<JsonElement> ReadSealedSecretAsync(RealClusterWorker world, string @namespace, string name) =>
        await world.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("bitnami.com", "v1alpha1", @namespace, "sealedsecrets", name);

    private static async Task<IList<Corev1Event>> EventsAsync(RealClusterWorker world, string @namespace) =>
        (await world.Client.CoreV1.ListNamespacedEventAsync(@namespace)).Items;

    private static string Uid(JsonElement resource) => resource.GetProperty("metadata").GetProperty("uid").GetString()!;

    private static string? Synced(JsonElement resource) =>
        resource.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            ? conditions.EnumerateArray().Where(c => c.GetProperty("type").GetString() == "Synced").Select(c => c.GetProperty("status").GetString()).FirstOrDefault()
            : null;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GitOpsSecrets.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GitOpsSecrets.sln not found above " + AppContext.BaseDirectory);
    }
}
