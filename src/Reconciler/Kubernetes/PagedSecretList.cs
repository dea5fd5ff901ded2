using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// A LIST of Secrets read page by page (<c>limit</c>/<c>continue</c>), each page turned into what the caller
/// keeps before the next is fetched: at 100,000 Secrets one unpaged LIST would hold every Secret's values
/// at once, while the caller keeps only hashes. A continue token the server has compacted past (410) starts
/// the list over once, as client-go's pager does, so the result is still one consistent list.
/// </summary>
internal static class PagedSecretList
{
    /// <summary>Page size when a target is not told otherwise; the API server's own default is unpaged.</summary>
    public const int DefaultPageSize = 500;

    public static async Task<List<T>> ReadAsync<T>(
        ApiCaller api,
        string what,
        Func<string?, CancellationToken, Task<V1SecretList>> page,
        Func<V1Secret, T> keep,
        CancellationToken cancellationToken)
    {
        var kept = new List<T>();
        string? next = null;
        var restarted = false;
        while (true)
        {
            V1SecretList list;
            try
            {
                var token = next;
                list = await api.CallAsync(what, ct => page(token, ct), cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone && next is not null && !restarted)
            {
                // The snapshot the continue token points into is gone; what was read so far may be stale.
                restarted = true;
                kept.Clear();
                next = null;
                continue;
            }

            kept.AddRange(list.Items.Select(keep));
            next = list.Metadata?.ContinueProperty;
            if (string.IsNullOrEmpty(next))
            {
                return kept;
            }
        }
    }
}
