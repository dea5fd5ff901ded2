using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.KubeApiServer;
using GitOpsSecrets.Tests.TestSupport;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace GitOpsSecrets.Tests.KubeApiServerTests;

/// <summary>The loopback API server's REST semantics, each through the real KubernetesClient.</summary>
public sealed class KubeApiServerTests : LoopbackApiServer
{
    [Fact]
    public async Task List_LabelSelectors_MatchLikeTheApiServer()
    {
        await CreateAsync("a", labels: new() { ["app"] = "web", ["tier"] = "front" });
        await CreateAsync("b", labels: new() { ["app"] = "db" });
        await CreateAsync("c");

        async Task<string> Names(string? labels = null, string? fields = null) =>
            string.Join(",", (await Client.CoreV1.ListNamespacedSecretAsync("default", labelSelector: labels, fieldSelector: fields)).Items.Select(s => s.Metadata.Name).Order());

        (await Names()).ShouldBe("a,b,c");
        (await Names("app=web")).ShouldBe("a");
        (await Names("app==db")).ShouldBe("b");
        (await Names("app!=web")).ShouldBe("b,c", "!= also matches objects without the label");
        (await Names("app in (web, db)")).ShouldBe("a,b");
        (await Names("app notin (web)")).ShouldBe("b,c");
        (await Names("app")).ShouldBe("a,b");
        (await Names("!app")).ShouldBe("c");
        (await Names("app,tier=front")).ShouldBe("a");
        (await Names(fields: "metadata.name=b")).ShouldBe("b");
        (await Names(fields: "metadata.name!=b")).ShouldBe("a,c");
        var bad = await Should.ThrowAsync<HttpOperationException>(() => Names("app in web"));
        bad.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Create_SetsUidTimestampAndGlobalResourceVersion()
    {
        var first = await CreateAsync("one");
        var lease = await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { HolderIdentity = "x" } }, "default");
        var second = await CreateAsync("two");

        first.Metadata.Uid.ShouldNotBeNullOrEmpty();
        first.Metadata.CreationTimestamp.ShouldNotBeNull();
        long.Parse(lease.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(long.Parse(first.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        long.Parse(second.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(long.Parse(lease.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture), "one counter for every resource");
        var list = await Client.CoreV1.ListNamespacedSecretAsync("default", resourceVersion: "0");
        list.Metadata.ResourceVersion.ShouldBe(second.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Create_GenerateNameExistingAndMissingNamespace_AnswerLikeTheApiServer()
    {
        var generated = await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { GenerateName = "sealed-secrets-key" }, Data = Bytes(("k", "v")) }, "default");
        generated.Metadata.Name.ShouldStartWith("sealed-secrets-key");
        generated.Metadata.Name.Length.ShouldBe("sealed-secrets-key".Length + 5);

        await CreateAsync("dup");
        var exists = await Should.ThrowAsync<HttpOperationException>(() => CreateAsync("dup"));
        AssertStatus(exists, 409, "AlreadyExists", "secrets \"dup\" already exists");

        var missing = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "x" } }, "nowhere"));
        AssertStatus(missing, 404, "NotFound", "namespaces \"nowhere\" not found");
    }

    [Fact]
    public async Task Create_GenerateName_KeptCutTo63AndACollisionIs504LikeTheApiServer()
    {
        var generated = await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { GenerateName = "sealed-secrets-key" } }, "default");
        var longPrefix = new string('a', 70);
        var cut = await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { GenerateName = longPrefix } }, "default");
        await CreateAsync("fixed");
        var collision = await Should.ThrowAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "fixed", GenerateName = "k" } }, "default"));

        generated.Metadata.GenerateName.ShouldBe("sealed-secrets-key", "the real server keeps metadata.generateName");
        (await Client.CoreV1.ReadNamespacedSecretAsync(generated.Metadata.Name, "default")).Metadata.GenerateName.ShouldBe("sealed-secrets-key");
        cut.Metadata.Name.Length.ShouldBe(63, "the prefix is cut to 58 characters so the name stays valid");
        cut.Metadata.Name.ShouldStartWith(longPrefix[..58]);
        cut.Metadata.GenerateName.ShouldBe(longPrefix);
        AssertStatus(collision, 504, "ServerTimeout", "The POST operation against Secret could not be completed at this time, please try again.");
    }

    [Fact]
    public async Task Lease_MicroTimes_SixDigitsOnlyStoredInUtc_DurationAndTransitionsValidated()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
        Task<HttpResponseMessage> Create(string name, string time, int duration = 4, int transitions = 0) => http.PostAsync(
            new Uri(leases, UriKind.Relative),
            new StringContent($$$"""{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"{{{name}}}"},"spec":{"holderIdentity":"a","renewTime":"{{{time}}}","leaseDurationSeconds":{{{duration}}},"leaseTransitions":{{{transitions}}}}}""", Encoding.UTF8, "application/json"));

        var offset = await Create("offset", "2026-12-06T03:10:00.123456+01:00");
        var seven = await Create("seven", "2026-12-06T03:10:00.1234567Z");
        var whole = await Create("whole", "2026-12-06T03:10:00Z");
        var zero = await Create("zero", "2026-12-06T03:10:00.123456Z", duration: 0, transitions: -1);

        offset.StatusCode.ShouldBe(HttpStatusCode.Created, await offset.Content.ReadAsStringAsync());
        JsonNode.Parse(await offset.Content.ReadAsStringAsync())!["spec"]!["renewTime"]!.GetValue<string>().ShouldBe("2026-12-06T02:10:00.123456Z", "MicroTime is stored in UTC");
        seven.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "the real server decodes MicroTime with exactly six fractional digits");
        whole.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ((int)zero.StatusCode).ShouldBe(422);
        var message = JsonNode.Parse(await zero.Content.ReadAsStringAsync())!["message"]!.GetValue<string>();
        message.ShouldContain("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0");
        message.ShouldContain("spec.leaseTransitions: Invalid value: -1");
    }

    [Theory]
    [InlineData("Upper", "k", "metadata.name")]
    [InlineData("under_score", "k", "metadata.name")]
    [InlineData("ok", "bad/key", "data[bad/key]")]
    [InlineData("ok", "..", "data[..]")]
    public async Task Create_InvalidNameOrKey_Is422Invalid(string name, string key, string field)
    {
        var e = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name }, Data = Bytes((key, "v")) }, "default"));

        AssertStatus(e, 422, "Invalid", $"Secret \"{name}\" is invalid: {field}");
    }

    [Fact]
    public async Task Create_DataOverOneMebibyte_Is422()
    {
        var data = new Dictionary<string, byte[]> { ["a"] = new byte[600 * 1024], ["b"] = new byte[600 * 1024] };

        var e = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "big" }, Data = data }, "default"));

        AssertStatus(e, 422, "Invalid", "data: Too long: must have at most 1048576 bytes");
    }

    [Fact]
    public async Task Replace_StaleResourceVersion_Is409Conflict()
    {
        var created = await CreateAsync("s");
        created.Data["k"] = Encoding.UTF8.GetBytes("new");
        var updated = await Client.CoreV1.ReplaceNamespacedSecretAsync(created, "s", "default");
        updated.Metadata.ResourceVersion.ShouldNotBe(created.Metadata.ResourceVersion);

        var stale = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedSecretAsync(created, "s", "default"));

        AssertStatus(stale, 409, "Conflict", "the object has been modified");
        var missing = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "none" } }, "none", "default"));
        AssertStatus(missing, 404, "NotFound", "secrets \"none\" not found");
    }

    [Fact]
    public async Task Apply_WithoutFieldManager_IsRejected()
    {
        var e = await Should.ThrowAsync<HttpOperationException>(() => ApplyAsync("s", null, force: false, ("k", "v")));

        ((int)e.Response.StatusCode).ShouldBe(422);
        e.Response.Content.ShouldContain("fieldManager");
    }

    [Fact]
    public async Task Apply_CreatesThenOwnsFields_AndConflictsWithAnotherManagerUnlessForced()
    {
        var created = await ApplyAsync("s", "ours", force: false, ("a", "1"), ("b", "2"));
        created.Metadata.ManagedFields.ShouldHaveSingleItem().Manager.ShouldBe("ours");
        created.Metadata.ManagedFields[0].Operation.ShouldBe("Apply");

        // Another tool edits a value: it now owns that field.
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"a":"ZWRpdGVk"}}""", V1Patch.PatchType.MergePatch), "s", "default", fieldManager: "kubectl-edit");
        var conflict = await Should.ThrowAsync<HttpOperationException>(() => ApplyAsync("s", "ours", force: false, ("a", "1"), ("b", "2")));
        AssertStatus(conflict, 409, "Conflict", "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.a");
        conflict.Response.Content.ShouldContain("FieldManagerConflict");

        // The same value is shared ownership, not a conflict; force takes the field.
        var forced = await ApplyAsync("s", "ours", force: true, ("a", "1"), ("b", "2"));
        Server.SecretText("default", "s")!["a"].ShouldBe("1");
        forced.Metadata.ManagedFields.Where(m => m.Manager == "kubectl-edit").ShouldBeEmpty("force moves the field, and an empty manager entry is dropped");
    }

    [Fact]
    public async Task Apply_FieldsNoLongerApplied_AreRemovedUnlessSomeoneElseOwnsThem()
    {
        await ApplyAsync("s", "ours", force: false, ("a", "1"), ("b", "2"), ("c", "3"));
        await ApplyAsync("s", "other", force: false, ("c", "3"));
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"d":"NA=="}}""", V1Patch.PatchType.MergePatch), "s", "default", fieldManager: "editor");

        await ApplyAsync("s", "ours", force: false, ("a", "1"));

        string.Join(",", Server.SecretText("default", "s")!.Keys.Order()).ShouldBe("a,c,d", "b was only ours and goes; c is shared with another applier; d was never ours");
    }

    [Fact]
    public async Task Apply_YamlBody_IsAcceptedLikeJson()
    {
        const string yaml = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: s
              labels:
                app: web
            immutable: false
            data:
              a: MQ==
            """;

        // The client always sends JSON; kubectl sends YAML, so this one goes over plain HTTP.
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/namespaces/default/secrets/s?fieldManager=kubectl")
        {
            Content = new StringContent(yaml, Encoding.UTF8, "application/apply-patch+yaml"),
        };
        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var applied = await Client.CoreV1.ReadNamespacedSecretAsync("s", "default");
        applied.Metadata.Labels["app"].ShouldBe("web");
        applied.Immutable.ShouldBe(false);
        Server.SecretText("default", "s")!["a"].ShouldBe("1");
    }

    [Fact]
    public async Task Update_WithoutFieldManager_IsOwnedByTheUserAgentName()
    {
        await CreateAsync("s");

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"k":"dw=="}}""", V1Patch.PatchType.MergePatch), "s", "default");

        var managers = Server.Store.ManagersOf(ResourceTypes.Secrets, "default", "s");
        managers.ShouldAllBe(m => m.Operation == "Update");
        managers.Select(m => m.Manager).ShouldNotContain("unknown", "the client sends a User-Agent, which names the manager");
    }

    [Fact]
    public async Task ManagedFields_CreatePatchAndApply_HaveTheRealServersShape()
    {
        // Each expected fieldsV1 below is what kube-apiserver v1.20.2 answered to the same three requests.
        var created = await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "x2", Labels = new Dictionary<string, string> { ["l"] = "1" }, Annotations = new Dictionary<string, string> { ["a"] = "1" } }, Data = Bytes(("a", "a")) },
            "default",
            fieldManager: "legacy");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"b":"Yg=="}}""", V1Patch.PatchType.MergePatch), "x2", "default", fieldManager: "other");
        var applied = await Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x2","labels":{"m":"1"}},"data":{"c":"Yw=="}}""", V1Patch.PatchType.ApplyPatch), "x2", "default", fieldManager: "app");

        created.Type.ShouldBe("Opaque", "the server defaults a Secret's type");
        FieldsV1(created, "legacy").ShouldBe("""{"f:data":{".":{},"f:a":{}},"f:metadata":{"f:annotations":{".":{},"f:a":{}},"f:labels":{".":{},"f:l":{}}},"f:type":{}}""", "a creator owns the maps it made and the defaulted type");
        applied.Metadata.ManagedFields.Select(m => $"{m.Manager}/{m.Operation}").ShouldBe(["app/Apply", "legacy/Update", "other/Update"], "Apply entries first, then by time");
        FieldsV1(applied, "other").ShouldBe("""{"f:data":{"f:b":{}}}""", "a key added to an existing map: not the map");
        FieldsV1(applied, "app").ShouldBe("""{"f:data":{"f:c":{}},"f:metadata":{"f:labels":{"f:m":{}}}}""", "an applier owns exactly what it sent");
    }

    [Fact]
    public async Task CreateEvent_InvolvedObjectInAnotherNamespace_Is422LikeTheApiServer()
    {
        Corev1Event Event(string name, string? involvedNamespace) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Secret", Name = "s", NamespaceProperty = involvedNamespace },
            Reason = "Unsealed",
            Message = "m",
            Type = "Normal",
        };
        Server.CreateNamespace("payments");

        var elsewhere = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedEventAsync(Event("e1", "other"), "payments"));
        var unnamed = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedEventAsync(Event("e2", null), "payments"));
        var same = await Client.CoreV1.CreateNamespacedEventAsync(Event("e3", "payments"), "payments");

        AssertStatus(elsewhere, 422, "Invalid", "Event \"e1\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
        AssertStatus(unnamed, 422, "Invalid", "involvedObject.namespace: Invalid value: \"\": does not match event.namespace");
        same.InvolvedObject.NamespaceProperty.ShouldBe("payments");
    }

    [Fact]
    public async Task Apply_UnchangedObject_DoesNotBumpResourceVersion()
    {
        var first = await ApplyAsync("s", "ours", force: false, ("a", "1"));
        var second = await ApplyAsync("s", "ours", force: false, ("a", "1"));

        second.Metadata.ResourceVersion.ShouldBe(first.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Apply_WithStaleResourceVersionOrManagedFields_IsRefused()
    {
        var created = await ApplyAsync("s", "ours", force: false, ("a", "1"));
        await ApplyAsync("s", "ours", force: false, ("a", "2"));

        var body = new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = "s", ResourceVersion = created.Metadata.ResourceVersion }, Data = Bytes(("a", "3")) };
        var stale = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "s", "default", fieldManager: "ours"));
        AssertStatus(stale, 409, "Conflict", "the object has been modified");

        body.Metadata.ResourceVersion = null;
        body.Metadata.ManagedFields = created.Metadata.ManagedFields;
        var managed = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "s", "default", fieldManager: "ours"));
        AssertStatus(managed, 400, "BadRequest", "metadata.managedFields must be nil");
    }

    [Fact]
    public async Task MergeAndStrategicPatch_MergeMapsAndNullRemoves()
    {
        await CreateAsync("s", data: [("a", "1"), ("b", "2")]);

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"a":null,"c":"Mw=="}}""", V1Patch.PatchType.MergePatch), "s", "default");
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.StrategicMergePatch), "s", "default");

        Server.SecretText("default", "s")!.ShouldBe(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" });
        Server.Secret("default", "s")!["metadata"]!["labels"]!["x"]!.GetValue<string>().ShouldBe("y");
    }

    [Fact]
    public async Task ImmutableSecret_DataChange_Is422FieldIsImmutable()
    {
        Server.SeedSecret("default", "frozen", new Dictionary<string, string> { ["a"] = "1" }, immutable: true);

        var e = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"data":{"a":"Mg=="}}""", V1Patch.PatchType.MergePatch), "frozen", "default"));

        AssertStatus(e, 422, "Invalid", "Secret \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
        var cause = JsonNode.Parse(e.Response.Content)!["details"]!["causes"]![0]!;
        (cause["reason"]!.GetValue<string>(), cause["field"]!.GetValue<string>()).ShouldBe(("FieldValueForbidden", "data"), "as the real server names the cause");
        Server.SecretText("default", "frozen")!["a"].ShouldBe("1");
    }

    [Fact]
    public async Task Delete_MissingIs404_AndPreconditionsAreChecked()
    {
        var missing = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedSecretAsync("none", "default"));
        AssertStatus(missing, 404, "NotFound", "secrets \"none\" not found");

        var created = await CreateAsync("s");
        var wrongUid = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedSecretAsync("s", "default", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "other" } }));
        AssertStatus(wrongUid, 409, "Conflict", $"Operation cannot be fulfilled on Secret \"s\": the UID in the precondition (other) does not match the UID in record ({created.Metadata.Uid}). The object might have been deleted and then recreated");
        JsonNode.Parse(wrongUid.Response.Content)!["details"]!["kind"]!.GetValue<string>().ShouldBe("Secret", "the real server names the Kind in a precondition failure");
        var wrongVersion = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedSecretAsync("s", "default", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "1" } }));
        AssertStatus(wrongVersion, 409, "Conflict", $"Operation cannot be fulfilled on Secret \"s\": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record ({created.Metadata.ResourceVersion}). The object might have been modified");

        await Client.CoreV1.DeleteNamespacedSecretAsync("s", "default", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = created.Metadata.Uid, ResourceVersion = created.Metadata.ResourceVersion } });
        Server.Secret("default", "s").ShouldBeNull();
    }

    [Fact]
    public async Task Faults_FailNextDropAndRetryAfter_ReachTheClient()
    {
        await CreateAsync("s");
        Server.Faults.FailNext(1, 500, r => r.Verb == "get");
        Server.Faults.FailNext(1, 429, r => r.Verb == "get", retryAfterSeconds: 7);
        Server.Faults.DropConnection(r => r.Verb == "get");

        AssertStatus(await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedSecretAsync("s", "default")), 500, "InternalError", "injected");
        var throttled = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedSecretAsync("s", "default"));
        AssertStatus(throttled, 429, "TooManyRequests", "injected");
        throttled.Response.Headers["Retry-After"].ShouldBe(["7"]);
        await Should.ThrowAsync<HttpRequestException>(() => Client.CoreV1.ReadNamespacedSecretAsync("s", "default"));
        (await Client.CoreV1.ReadNamespacedSecretAsync("s", "default")).Metadata.Name.ShouldBe("s", "faults are used up");

        Server.Requests.Count("get", "secrets").ShouldBe(4);
        Server.Requests.Count("create", "secrets").ShouldBe(1);
    }

    [Fact]
    public async Task Faults_Block_HoldsRequestsUntilReleased()
    {
        var gate = Server.Faults.Block(r => r.Verb == "list", count: 1);
        var listing = Client.CoreV1.ListNamespacedSecretAsync("default");

        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        listing.IsCompleted.ShouldBeFalse("the list is held at the gate");
        gate.Release();

        (await listing.WaitAsync(TimeSpan.FromSeconds(30))).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task EventsAndLeases_AreStoredAndServed()
    {
        await Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event { Metadata = new V1ObjectMeta { Name = "s.1" }, InvolvedObject = new V1ObjectReference { Kind = "Secret", Name = "s" }, Reason = "Unsealed", Type = "Normal" }, "default");
        await Client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event { Metadata = new V1ObjectMeta { Name = "s.2" }, Reason = "Unsealed", Type = "Normal", EventTime = DateTime.UtcNow }, "default");
        var lease = await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "leader" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } }, "default");

        lease.Spec.HolderIdentity = "b";
        var taken = await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", "default");
        var stale = await Should.ThrowAsync<HttpOperationException>(() => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "leader", "default"));

        taken.Spec.HolderIdentity.ShouldBe("b");
        ((int)stale.Response.StatusCode).ShouldBe(409, "two replicas updating one lease: the second loses");
        (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.ShouldHaveSingleItem().Reason.ShouldBe("Unsealed");
        (await Client.EventsV1.ListNamespacedEventAsync("default")).Items.ShouldHaveSingleItem().Metadata.Name.ShouldBe("s.2");
    }

    [Fact]
    public async Task CoreEvents_FieldSelectorsAndNamespaceRule_LikeTheApiServer()
    {
        Server.CreateNamespace("apps");
        Corev1Event Event(string name, string about, string? objectNamespace, string reason) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            InvolvedObject = new V1ObjectReference { Kind = "Secret", Name = about, NamespaceProperty = objectNamespace },
            Reason = reason,
            Type = "Normal",
            Source = new V1EventSource { Component = "gitops-secrets" },
        };
        await Client.CoreV1.CreateNamespacedEventAsync(Event("db.1", "db", "apps", "Unsealed"), "apps");
        await Client.CoreV1.CreateNamespacedEventAsync(Event("api.1", "api", "apps", "ErrUpdateFailed"), "apps");

        async Task<string> Names(string selector) =>
            string.Join(",", (await Client.CoreV1.ListNamespacedEventAsync("apps", fieldSelector: selector)).Items.Select(e => e.Metadata.Name).Order());

        (await Names("involvedObject.name=db")).ShouldBe("db.1");
        (await Names("reason!=Unsealed")).ShouldBe("api.1");
        (await Names("involvedObject.kind=Secret,source=gitops-secrets,type=Normal")).ShouldBe("api.1,db.1");
        (await Names("involvedObject.fieldPath=")).ShouldBe("api.1,db.1", "a missing field compares as empty");
        var other = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedEventAsync(Event("x.1", "x", "default", "Unsealed"), "apps"));
        var unnamespaced = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedEventAsync(Event("y.1", "y", null, "Unsealed"), "apps"));
        var unsupported = await Should.ThrowAsync<HttpOperationException>(() => Client.CoreV1.ListNamespacedSecretAsync("apps", fieldSelector: "data=x"));

        AssertStatus(other, 422, "Invalid", "involvedObject.namespace: Invalid value: \"default\": does not match event.namespace");
        AssertStatus(unnamespaced, 422, "Invalid", "does not match event.namespace");
        AssertStatus(unsupported, 400, "BadRequest", "field label not supported: data");
    }

    [Fact]
    public async Task ServiceProxy_ForwardsToTheRegisteredHandler()
    {
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "sealed-secrets-controller" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 8080 }] } }, "kube-system");
        Server.MapServiceProxy("kube-system", "sealed-secrets-controller", context => context.Response.WriteAsync($"path {context.Request.Path}"));
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };

        var answer = await http.GetStringAsync("/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:/proxy/v1/cert.pem");
        var missing = await http.GetAsync(new Uri("/api/v1/namespaces/kube-system/services/other/proxy/v1/cert.pem", UriKind.Relative));

        answer.ShouldBe("path /v1/cert.pem");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WriteKubeconfig_ContextReachesTheServer()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        try
        {
            Server.WriteKubeconfig(path, "test-ctx", "kube-system");
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, "test-ctx");
            using var client = new k8s.Kubernetes(configuration);

            configuration.Namespace.ShouldBe("kube-system");
            (await client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name).ShouldBe(["default", "kube-system"], ignoreOrder: true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private Task<V1Secret> CreateAsync(string name, Dictionary<string, string>? labels = null, (string Key, string Value)[]? data = null) =>
        Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name, Labels = labels }, Data = Bytes(data ?? [("k", "v")]) }, "default");

    private Task<V1Secret> ApplyAsync(string name, string? manager, bool force, params (string Key, string Value)[] data)
    {
        var body = new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = name }, Data = Bytes(data) };
        return Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), name, "default", fieldManager: manager, force: force);
    }

    private static Dictionary<string, byte[]> Bytes(params (string Key, string Value)[] data) =>
        data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value));

    private static string FieldsV1(V1Secret secret, string manager) =>
        JsonNode.Parse(KubernetesJson.Serialize(secret.Metadata.ManagedFields.Single(m => m.Manager == manager).FieldsV1))!.ToJsonString();

    private static void AssertStatus(HttpOperationException e, int code, string reason, string message)
    {
        ((int)e.Response.StatusCode).ShouldBe(code, e.Response.Content);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        status["kind"]!.GetValue<string>().ShouldBe("Status");
        status["apiVersion"]!.GetValue<string>().ShouldBe("v1");
        status["status"]!.GetValue<string>().ShouldBe("Failure");
        status["reason"]!.GetValue<string>().ShouldBe(reason);
        status["code"]!.GetValue<int>().ShouldBe(code);
        status["message"]!.GetValue<string>().ShouldContain(message);
    }
}
