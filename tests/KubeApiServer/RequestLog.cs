using System.Collections.Concurrent;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>One request as the server saw it: what tests count and search (bodies included, to prove no value leaks).</summary>
public sealed record KubeRequest(
    string Method,
    string Path,
    string Query,
    string Verb,
    ResourceType? Resource,
    string? Namespace,
    string? Name,
    string? Subresource,
    string? ContentType,
    string Body,
    string? UserAgent = null)
{
    public string? ResourcePlural => Resource?.Plural;

    public string? QueryValue(string key) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Query).TryGetValue(key, out var value) ? value.ToString() : null;

    public override string ToString() => $"{Verb} {Method} {Path}{Query}";
}

/// <summary>Every request in arrival order, faulted ones included.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<KubeRequest> _requests = new();

    public IReadOnlyList<KubeRequest> All => _requests.ToArray();

    /// <summary>Requests of a verb (get, list, watch, create, update, patch, apply, delete), optionally of one resource plural.</summary>
    public int Count(string verb, string? resource = null) =>
        _requests.Count(r => r.Verb == verb && (resource is null || r.ResourcePlural == resource));

    /// <summary>Requests that change state: create, update, patch, apply, delete.</summary>
    public IReadOnlyList<KubeRequest> Writes => _requests.Where(r => r.Verb is "create" or "update" or "patch" or "apply" or "delete").ToList();

    public IReadOnlyDictionary<string, int> CountsByVerbAndResource =>
        _requests.GroupBy(r => $"{r.Verb} {r.ResourcePlural}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    internal void Add(KubeRequest request) => _requests.Enqueue(request);

    public void Clear() => _requests.Clear();
}
