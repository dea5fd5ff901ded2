using System.Net;
using System.Net.Http.Headers;
using GitOpsSecrets.Tests.TestSupport;
using Xunit.Abstractions;

namespace GitOpsSecrets.Tests.Worker;

/// <summary>
/// A hook that arrives the moment a sync has been recorded, while its job is still finishing (refreshing keys,
/// scheduling the next interval), must still start one more sync: the "sync count one short" seen in the
/// resilience tests (issue 17) was a hook fired in that window.
/// </summary>
public sealed class WorkerHookRaceTests(ITestOutputHelper output) : IDisposable
{
    private const string HookToken = "hook-token-race-1357";
    private const int Hooks = 10;
    private readonly TempDirectory _token = new();

    public void Dispose() => _token.Dispose();

    [Fact]
    public async Task HookFiredRightAfterASyncIsRecorded_StartsOneMoreSync_EveryTime()
    {
        _token.Write("token", HookToken + "\n");
        await using var worker = await WorkerFixture.StartAsync(
            configure: c => c.Worker.SyncHookTokenFile = _token.File("token"),
            prepare: files => files.Repo.Write("apps/db.yaml", WorkerFixture.Json(WorkerFixture.Seal("apps", "db"))));
        await worker.WaitForSyncsAsync(1);

        for (var i = 1; i <= Hooks; i++)
        {
            // Fired at once, while the job whose sync was just recorded may still be running.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/sync");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HookToken);
            (await worker.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
            try
            {
                await worker.WaitForSyncsAsync(i + 1);
            }
            catch (TimeoutException)
            {
                throw new ShouldAssertException($"hook {i}: its sync was never recorded (syncs {worker.Status.Syncs}); worker log:\n{worker.Log}");
            }
        }

        output.WriteLine($"{Hooks} hooks, {worker.Status.Syncs - 1} syncs after the first");
        worker.Status.Syncs.ShouldBe(Hooks + 1);
    }
}
