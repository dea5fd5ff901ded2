using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Targets;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitOpsSecrets.Tests.Kubernetes;

/// <summary>
/// The paged observation (issue 16, point 5), one scenario for both servers, so the loopback API server and the
/// real one are held to the same outcome: seven Secrets of ours and two foreign ones in a namespace, a second
/// namespace with one of ours, observed through LISTs of three items a page. Every Secret of ours is seen once,
/// foreign ones only when wanted, and the LISTs were paged (limit=3, later pages with a continue token).
/// </summary>
public static class PagedObserveScenario
{
    public const int PageSize = 3;

    public static readonly string[] Ours = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"];

    public static async Task SeedAsync(IKubernetes client, string first, string second)
    {
        foreach (var name in Ours)
        {
            await CreateAsync(client, first, name, managed: true);
        }

        await CreateAsync(client, first, "foreign-1", managed: false);
        await CreateAsync(client, first, "foreign-2", managed: false);
        await CreateAsync(client, second, "b1", managed: true);
    }

    /// <summary>Observes both namespaces (and wants one foreign Secret), and checks what was seen.</summary>
    public static async Task ObserveAndCheckAsync(IKubernetes client, string first, string second)
    {
        var target = new KubernetesTarget("paged", client, new KubernetesTargetOptions { ListPageSize = PageSize, RecordEvents = false }, TimeProvider.System, NullLogger<KubernetesTarget>.Instance);
        var observed = await target.ObserveAsync([first, second], [new SecretId(first, "foreign-2")], CancellationToken.None);

        observed.Where(o => o.Managed).Select(o => o.Id.ToString()).Order(StringComparer.Ordinal).ShouldBe(
            Ours.Select(n => new SecretId(first, n).ToString()).Append(new SecretId(second, "b1").ToString()).Order(StringComparer.Ordinal),
            "every Secret of ours once, across the pages");
        observed.Where(o => !o.Managed).Select(o => o.Id.Name).ShouldBe(["foreign-2"], "a foreign Secret only when wanted");
        observed.ShouldAllBe(o => o.KeyHashes.ContainsKey("token"));
    }

    /// <summary>The LIST requests for the first namespace's Secrets (their query strings), in order: paged by three.</summary>
    public static void CheckPaged(IReadOnlyList<string> listQueries)
    {
        listQueries.Count.ShouldBeGreaterThanOrEqualTo(3, "seven Secrets of ours at three a page take at least three LISTs: " + string.Join(" | ", listQueries));
        listQueries.ShouldAllBe(q => q.Contains($"limit={PageSize}", StringComparison.Ordinal), string.Join(" | ", listQueries));
        listQueries[0].ShouldNotContain("continue=", customMessage: "the first page has no continue token");
        listQueries.Skip(1).ShouldAllBe(q => q.Contains("continue=", StringComparison.Ordinal), string.Join(" | ", listQueries));
    }

    private static Task CreateAsync(IKubernetes client, string @namespace, string name, bool managed) =>
        client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Labels = managed ? new Dictionary<string, string> { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue } : null,
                },
                StringData = new Dictionary<string, string> { ["token"] = "paged-" + name },
            },
            @namespace);
}
