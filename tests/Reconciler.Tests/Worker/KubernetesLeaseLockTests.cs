using System.Globalization;
using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.TestSupport;
using GitOpsSecrets.Worker.Leadership;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// The Lease lock through the real KubernetesClient, against a minimal loopback stand-in for the one
/// resource it uses (GET, POST, PUT of a Lease, with resourceVersion conflicts answered 409 as the API
/// server does). The full test API server lives with the Kubernetes target.
/// </summary>
public sealed class KubernetesLeaseLockTests : IAsyncLifetime
{
    private const string Path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
    private readonly Lock _lock = new();
    private WebApplication _server = null!;
    private IKubernetes _client = null!;
    private JsonObject? _stored;
    private long _version;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _server = builder.Build();
        _server.MapGet(Path + "/{name}", (string name) => Answer(() => _stored is null ? Status(404, "NotFound") : Results.Json(_stored)));
        _server.MapPost(Path, async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            return Answer(() => _stored is not null ? Status(409, "AlreadyExists") : Results.Json(_stored = Stamp(body)));
        });
        _server.MapPut(Path + "/{name}", async (string name, HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            return Answer(() => _stored is null ? Status(404, "NotFound")
                : body["metadata"]?["resourceVersion"]?.GetValue<string>() != _stored["metadata"]!["resourceVersion"]!.GetValue<string>() ? Status(409, "Conflict")
                : Results.Json(_stored = Stamp(body)));
        });
        await _server.StartAsync();
        _client = new Kubernetes(new KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}" });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Lease_MissingThenCreatedThenConflictingUpdate_MapsToNullRecordAndConflict()
    {
        var lease = new KubernetesLeaseLock(_client, "kube-system", "leader");
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, 250, TimeSpan.Zero);

        (await lease.GetAsync(CancellationToken.None)).ShouldBeNull("404 is no lease yet");
        var created = await lease.CreateAsync(new LeaseRecord("a", now, now, 15, 0), CancellationToken.None);
        await Should.ThrowAsync<LeaseConflictException>(() => lease.CreateAsync(new LeaseRecord("b", now, now, 15, 0), CancellationToken.None));
        var renewed = await lease.UpdateAsync(created with { RenewTime = now.AddSeconds(2) }, CancellationToken.None);
        await Should.ThrowAsync<LeaseConflictException>(() => lease.UpdateAsync(created with { HolderIdentity = "b" }, CancellationToken.None));
        var read = await lease.GetAsync(CancellationToken.None);

        read.ShouldNotBeNull();
        read.HolderIdentity.ShouldBe("a");
        read.RenewTime.ShouldBe(now.AddSeconds(2));
        read.AcquireTime.ShouldBe(now);
        read.LeaseDurationSeconds.ShouldBe(15);
        read.ResourceVersion.ShouldBe(renewed.ResourceVersion);
        created.ResourceVersion.ShouldNotBe(renewed.ResourceVersion);
    }

    [Fact]
    public async Task TwoElectorsOverTheKubernetesLease_OnlyOneLeads_TheOtherTakesOverAfterExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        using var a = new LeaderElector(new KubernetesLeaseLock(_client, "kube-system", "leader"), LeaderElectionOptions.For("a", TimeSpan.FromSeconds(15)), time, NullLogger<LeaderElector>.Instance);
        using var b = new LeaderElector(new KubernetesLeaseLock(_client, "kube-system", "leader"), LeaderElectionOptions.For("b", TimeSpan.FromSeconds(15)), time, NullLogger<LeaderElector>.Instance);

        await a.TickAsync(CancellationToken.None);
        await b.TickAsync(CancellationToken.None);
        a.IsLeader.ShouldBeTrue();
        b.IsLeader.ShouldBeFalse();

        for (var elapsed = 0; elapsed < 20 && !b.IsLeader; elapsed += 2)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            await b.TickAsync(CancellationToken.None); // a has stopped renewing
        }

        b.IsLeader.ShouldBeTrue();
        _stored!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("b");
        _stored["spec"]!["leaseTransitions"]!.GetValue<int>().ShouldBe(1);
    }

    private IResult Answer(Func<IResult> body)
    {
        lock (_lock)
        {
            return body();
        }
    }

    private JsonObject Stamp(JsonObject lease)
    {
        lease["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
        return lease;
    }

    private static IResult Status(int code, string reason) => Results.Json(
        new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = reason, ["code"] = code },
        statusCode: code);
}
